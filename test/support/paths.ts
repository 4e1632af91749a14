// Where the build puts things, seen from build/js/test/support.
import { existsSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../../../..");
export const BUILD_DIR = path.join(REPO_ROOT, "build");
export const EXAMPLE_SITE = path.join(REPO_ROOT, "examples", "site");

// cmake-js puts the outputs of `cmake-js build --out build/native` in build/native/Release.
function built(file: string): string {
  const candidates = [path.join(BUILD_DIR, "native", "Release", file), path.join(BUILD_DIR, "native", file)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`${file} is not built; run npm run build (looked in ${candidates.join(", ")})`);
  return found;
}

export const modulePath = (): string => built("chatsocket.so");
export const addonPath = (): string => built("chatsocket_host.node");
