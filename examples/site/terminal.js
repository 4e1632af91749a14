// Drives a `kind = process` endpoint in text mode: lines out, lines in. With `stderr = send` the endpoint
// wraps every line as {"stream": "stdout" | "stderr", "data": ...}; stderr lines are shown apart.
const name = new URLSearchParams(location.search).get('endpoint') || 'calc.chatsocket';
const url = new URL(name, location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
document.getElementById('endpoint').textContent = url.pathname;
const status = document.getElementById('status');
const screen = document.getElementById('screen');
const reconnect = document.getElementById('reconnect');
let socket;

function show(kind, text) {
  const line = document.createElement('span');
  line.className = kind;
  line.textContent = (kind === 'sent' ? '> ' : '') + text + '\n';
  screen.append(line);
  screen.scrollTop = screen.scrollHeight;
}

function received(data) {
  try {
    const message = JSON.parse(data);
    if (message && (message.stream === 'stdout' || message.stream === 'stderr') && typeof message.data === 'string') {
      show(message.stream, message.data);
      return;
    }
  } catch {
    // not an envelope: a plain line
  }
  show('stdout', data);
}

// Why a connection ended, in words: the program's exit code is in the reason; 1006 means no close frame came.
function ending(event) {
  if (event.code === 1006) return 'closed without a close frame (1006): the server log says why';
  return `closed (${event.code}${event.reason ? ': ' + event.reason : ''})`;
}

function connect() {
  reconnect.hidden = true;
  status.textContent = 'connecting…';
  socket = new WebSocket(url);
  socket.addEventListener('open', () => { status.textContent = 'open'; });
  socket.addEventListener('message', (event) => received(event.data));
  socket.addEventListener('close', (event) => {
    status.textContent = ending(event);
    reconnect.hidden = false;
  });
}

reconnect.addEventListener('click', connect);
document.getElementById('send').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('line');
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(input.value);
  show('sent', input.value);
  input.value = '';
});
connect();
