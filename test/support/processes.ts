// Whether a process is still there, for tests that check programs end (kind = process).

/** True while `pid` exists (a zombie still does: reap before asking). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
