// The lobby's chat page. It speaks lobby.chatsocket's JSON (README "kind = chat"): a welcome with the member
// list, join and leave events, messages with the server's timestamp. A message of ours is shown as sent only
// once the room has sent it back (echo_self); until then it is "sending", and if the connection ends first,
// "not sent". A dropped connection is tried again with growing pauses.
const $ = (id) => document.getElementById(id);
const status = $('status');
const messages = $('messages');
const membersList = $('members');
const text = $('text');
const sendButton = document.querySelector('#send button');
const nameInput = $('name');
nameInput.value = localStorage.getItem('chatsocket-name') || '';

let socket = null;
let me = null;            // our id in the room, from the welcome
let members = new Map();  // id -> name
let pending = [];         // our messages not yet back from the room: { text, item }
let retries = 0;
let retryTimer = null;
let wanted = false;       // the user joined and did not leave

function setOnline(online) {
  text.disabled = !online;
  sendButton.disabled = !online;
}

function showMembers(count) {
  membersList.replaceChildren(...[...members].map(([id, name]) => {
    const item = document.createElement('li');
    item.textContent = name + (id === me ? ' (you)' : '');
    return item;
  }));
  $('count').textContent = String(count ?? members.size);
}

function line(kind, content) {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = content;
  messages.append(item);
  item.scrollIntoView({ block: 'nearest' });
  return item;
}

function time(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function received(event) {
  const message = JSON.parse(event.data);
  if (message.type === 'welcome') {
    me = message.id;
    members = new Map(message.members.map((m) => [m.id, m.name]));
    showMembers(message.count);
    status.textContent = `in the room as ${message.name}`;
    retries = 0;
    setOnline(true);
  } else if (message.type === 'join') {
    members.set(message.id, message.name);
    showMembers(message.count);
    line('presence', `${message.name} joined`);
  } else if (message.type === 'leave') {
    members.delete(message.id);
    showMembers(message.count);
    line('presence', `${message.name} left`);
  } else if (message.type === 'message') {
    const mine = message.id === me && pending.length > 0 && pending[0].text === message.text;
    const shown = `${time(message.ts)} ${message.name}: ${message.text}`;
    if (mine) {
      const { item } = pending.shift();
      item.textContent = shown;
      item.className = 'message mine';
    } else {
      line(message.id === me ? 'message mine' : 'message', shown);
    }
  }
}

// Why the connection ended, in words a user can act on.
function ending(event) {
  if (event.code === 1006) return 'connection lost (1006: no close frame came; the server log says why)';
  if (event.code === 1008) return `closed by the room: ${event.reason || 'policy'} (1008)`;
  return `closed (${event.code}${event.reason ? ': ' + event.reason : ''})`;
}

function connect() {
  clearTimeout(retryTimer);
  const url = new URL('lobby.chatsocket', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('name', nameInput.value.trim());
  status.textContent = 'connecting…';
  socket = new WebSocket(url);
  socket.addEventListener('message', received);
  socket.addEventListener('close', (event) => {
    setOnline(false);
    for (const { item } of pending) {
      item.className = 'message failed';
      item.textContent += ' (not sent)';
    }
    pending = [];
    members.clear();
    showMembers(0);
    if (!wanted) {
      status.textContent = 'left';
      return;
    }
    const pause = Math.min(30, 2 ** retries++);
    status.textContent = `${ending(event)}; trying again in ${pause} s`;
    retryTimer = setTimeout(connect, pause * 1000);
  });
}

$('join').addEventListener('submit', (event) => {
  event.preventDefault();
  localStorage.setItem('chatsocket-name', nameInput.value.trim());
  wanted = true;
  retries = 0;
  if (socket && socket.readyState <= WebSocket.OPEN) {
    socket.close(1000, 'changing name');  // the close handler connects again
  } else {
    connect();
  }
});

$('send').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!socket || socket.readyState !== WebSocket.OPEN || !text.value) return;
  socket.send(text.value);
  pending.push({ text: text.value, item: line('message sending', `${nameInput.value.trim()}: ${text.value} (sending…)`) });
  text.value = '';
});
