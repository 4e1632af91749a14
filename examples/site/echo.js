// Connects to the echo endpoint of the page's own site and logs what goes out and what comes back.
const url = new URL('echo.chatsocket', location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const status = document.getElementById('status');
const log = document.getElementById('log');
const socket = new WebSocket(url);

function append(kind, text) {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = (kind === 'sent' ? '→ ' : '← ') + text;
  log.append(item);
}

socket.addEventListener('open', () => { status.textContent = 'open'; });
socket.addEventListener('message', (event) => append('received', event.data));
socket.addEventListener('close', (event) => { status.textContent = `closed (${event.code})`; });
document.getElementById('send').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('message');
  socket.send(input.value);
  append('sent', input.value);
  input.value = '';
});
