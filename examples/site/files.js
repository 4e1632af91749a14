// Sends a file through bytes.chatsocket (a program in binary mode) and checks that every byte came back.
const url = new URL('bytes.chatsocket', location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const status = document.getElementById('status');
const result = document.getElementById('result');
const socket = new WebSocket(url);
socket.binaryType = 'arraybuffer';
let expected = null;
let chunks = [];
let received = 0;

async function digest(buffer) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

socket.addEventListener('open', () => { status.textContent = 'open'; });
socket.addEventListener('close', (event) => { status.textContent = `closed (${event.code})`; });
// The program's reads cut the bytes into messages of their own sizes: collect until the whole file is back.
socket.addEventListener('message', async (event) => {
  chunks.push(new Uint8Array(event.data));
  received += event.data.byteLength;
  if (!expected || received < expected.size) return;
  const all = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) { all.set(chunk, at); at += chunk.length; }
  const same = (await digest(all.buffer)) === expected.hash;
  result.textContent = `${received} bytes back in ${chunks.length} message(s): ${same ? 'identical' : 'DIFFERENT'}`;
});

document.getElementById('file').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (!file || socket.readyState !== WebSocket.OPEN) return;
  const buffer = await file.arrayBuffer();
  expected = { size: buffer.byteLength, hash: await digest(buffer) };
  chunks = [];
  received = 0;
  result.textContent = `sent ${buffer.byteLength} bytes…`;
  socket.send(buffer);
});
