/*
 * Closer chat widget. Embed with one tag:
 *   <script src="https://YOUR-CLOSER-HOST/widget.js" data-site-key="YOUR_SITE_KEY" data-cta-label="Book a demo" async></script>
 * (add data-socket-path="/your/path/" when the server sets SOCKET_IO_PATH, and
 * data-visitor-id="<your id of the signed-in visitor>" so their chats can be erased on request)
 * Talks the /chat socket.io protocol (docs/protocol.md). Isolated in a shadow DOM; every text is
 * rendered with textContent (never as HTML); survives reloads and network drops without losing
 * or duplicating messages (resume token + client message ids, retried after a reconnect).
 * When a person from the site's team takes the chat over, their messages are shown as theirs
 * (name and "team member"), never as the assistant's, and the header says who is answering.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var siteKey = script.getAttribute('data-site-key') || 'demo';
  var ctaLabel = script.getAttribute('data-cta-label') || 'Book a demo';
  var socketPath = script.getAttribute('data-socket-path') || '/socket.io/';
  var visitorId = script.getAttribute('data-visitor-id');
  var base = new URL(script.src, location.href).origin;
  var storeKey = 'closer:' + siteKey;

  function load(src, done) {
    if (window.io) return done();
    var s = document.createElement('script');
    s.src = src;
    s.onload = done;
    document.head.appendChild(s);
  }

  function saved() {
    try {
      return JSON.parse(sessionStorage.getItem(storeKey)) || {};
    } catch (e) {
      return {};
    }
  }
  function save(state) {
    sessionStorage.setItem(storeKey, JSON.stringify(state));
  }

  var host = document.createElement('div');
  host.id = 'closer-widget';
  var root = host.attachShadow({ mode: 'open' });
  root.innerHTML =
    '<style>' +
    ':host{all:initial}' +
    '.box{position:fixed;right:20px;bottom:20px;width:340px;max-height:520px;display:flex;flex-direction:column;font:14px/1.4 system-ui,sans-serif;color:#1b1f24;background:#fff;border:1px solid #d0d7de;border-radius:12px;box-shadow:0 8px 24px rgba(0,0,0,.15);z-index:2147483647}' +
    'header{padding:10px 12px;border-bottom:1px solid #eee}header b{display:block}header small{color:#57606a}' +
    '.log{flex:1;overflow-y:auto;padding:10px 12px;min-height:160px}' +
    '.msg{margin:6px 0;padding:7px 10px;border-radius:10px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}' +
    '.visitor{background:#0969da;color:#fff;margin-left:auto}.agent{background:#f3f4f6}' +
    '.person{background:#fff8c5;border:1px solid #d4a72c}.who{display:block;font-size:12px;font-weight:600;color:#7d4e00}' +
    '.notice{margin:8px 0;color:#57606a;font-size:12px;text-align:center}' +
    '.typing{color:#57606a;font-style:italic;min-height:1.2em;padding:0 12px}' +
    'form{display:flex;gap:6px;padding:10px 12px;border-top:1px solid #eee}' +
    'input{flex:1;padding:7px;border:1px solid #d0d7de;border-radius:8px;font:inherit}' +
    'button{padding:7px 10px;border:0;border-radius:8px;background:#0969da;color:#fff;font:inherit;cursor:pointer}' +
    'button:focus-visible,input:focus-visible{outline:2px solid #0550ae;outline-offset:1px}' +
    '.cta{margin:0 12px 10px;background:#1a7f37}.status{color:#cf222e;font-size:12px;padding:0 12px}' +
    '</style>' +
    '<section class="box" role="complementary" aria-label="Chat with our AI assistant">' +
    '<header><b>Chat with us</b><small class="answering">You are chatting with an AI assistant.</small></header>' +
    '<div class="log" role="log" aria-live="polite"></div>' +
    '<div class="typing" aria-live="polite"></div>' +
    '<div class="status" role="status"></div>' +
    '<form><label style="position:absolute;left:-9999px" for="closer-input">Your message</label>' +
    '<input id="closer-input" autocomplete="off" maxlength="2000" placeholder="Type a message…"><button type="submit">Send</button></form>' +
    '<button class="cta" type="button"></button>' +
    '</section>';
  var log = root.querySelector('.log');
  var typing = root.querySelector('.typing');
  var status = root.querySelector('.status');
  var form = root.querySelector('form');
  var input = root.querySelector('input');
  var cta = root.querySelector('.cta');
  var answering = root.querySelector('.answering');
  cta.textContent = ctaLabel;

  function bubble(role, text) {
    var el = document.createElement('div');
    el.className = 'msg ' + role;
    el.textContent = text;
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }

  /** A stored turn not yet shown (events and the resumed history may both bring it): shown once. */
  function shown(turnId) {
    return !!turnId && !!log.querySelector('[data-turn="' + turnId + '"]');
  }

  /** A message a person from the site's team wrote: named and marked as theirs, never as the assistant's. */
  function personBubble(turnId, text, name) {
    if (shown(turnId)) return;
    var el = bubble('person', '');
    var who = document.createElement('span');
    who.className = 'who';
    who.textContent = name + ' · team member';
    el.appendChild(who);
    el.appendChild(document.createTextNode(text));
    el.setAttribute('data-turn', turnId);
  }

  /** A server notice (a person was asked for, joined, left). */
  function notice(turnId, text) {
    if (shown(turnId)) return;
    var el = document.createElement('div');
    el.className = 'notice';
    el.setAttribute('role', 'note');
    el.setAttribute('data-turn', turnId);
    el.textContent = text;
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
  }

  /** Who answers the visitor now: the assistant, the assistant while a person was asked for, or a person. */
  function showAnswering(side) {
    if (side && side.state === 'person') answering.textContent = 'You are chatting with ' + side.name + ', a person from our team.';
    else if (side && side.state === 'waiting') answering.textContent = 'You are chatting with an AI assistant. A person from our team has been asked to join.';
    else answering.textContent = 'You are chatting with an AI assistant.';
  }

  function showTurn(t) {
    if (t.role === 'person') personBubble(t.turnId, t.text, t.author.name);
    else if (t.role === 'system') notice(t.turnId, t.text);
    else bubble(t.role === 'agent' ? 'agent' : 'visitor', t.text).setAttribute('data-turn', t.turnId);
  }

  var state = saved(); // { resumeToken, pending: [{ id, text }] }
  state.pending = state.pending || [];
  var socket;
  var streaming = {};

  function send(message) {
    socket.timeout(90000).emit('message:send', { clientMessageId: message.id, text: message.text }, function (err, ack) {
      if (err) return; // no answer: it is retried after the reconnect
      // Sentences streamed for a reply that then failed, or that a person's takeover stopped, were never stored (docs/protocol.md): taken back.
      if (!ack.ok || ack.heldByPerson) {
        var partial = streaming[message.id];
        if (partial) partial.remove();
        delete streaming[message.id];
        typing.textContent = '';
      }
      if (!ack.ok) {
        status.textContent = ack.error.message;
        // Refused for now (busy, database unavailable): kept, and sent again with its id after the next reconnect.
        if (ack.error.code !== 'busy' && ack.error.code !== 'unavailable') forget(message.id);
        return;
      }
      forget(message.id);
    });
  }
  function forget(id) {
    state.pending = state.pending.filter(function (m) {
      return m.id !== id;
    });
    save(state);
  }

  function start() {
    var request = { siteKey: siteKey };
    if (state.resumeToken) request.resumeToken = state.resumeToken;
    if (visitorId) request.visitorId = visitorId; // a different visitor's saved session is refused: a new one starts below
    socket.emit('session:start', request, function (ack) {
      if (!ack.ok && state.resumeToken) {
        state = { pending: [] };
        save(state);
        log.textContent = '';
        return start();
      }
      if (!ack.ok) {
        status.textContent = ack.error.message;
        return;
      }
      status.textContent = '';
      state.resumeToken = ack.resumeToken;
      save(state);
      log.textContent = '';
      ack.history.forEach(showTurn);
      showAnswering(ack.handoff);
      // Messages sent but not acknowledged before a reload or a drop: shown once, retried with their ids.
      var known = {};
      ack.history.forEach(function (t) {
        known[t.clientMessageId] = true;
      });
      state.pending.forEach(function (m) {
        if (!known[m.id]) bubble('visitor', m.text);
        send(m);
      });
    });
  }

  function connect() {
    socket = window.io(base + '/chat', { path: socketPath, transports: ['websocket', 'polling'] });
    socket.on('connect', start);
    socket.on('disconnect', function () {
      status.textContent = 'Reconnecting…';
    });
    socket.on('typing', function () {
      typing.textContent = 'Assistant is typing…';
    });
    socket.on('reply:delta', function (d) {
      var el = streaming[d.clientMessageId] || (streaming[d.clientMessageId] = bubble('agent', ''));
      el.textContent += d.text;
      typing.textContent = '';
      log.scrollTop = log.scrollHeight;
    });
    socket.on('message:person', function (m) {
      personBubble(m.turnId, m.text, m.author.name);
    });
    socket.on('handoff:state', function (h) {
      notice(h.notice.turnId, h.notice.text);
      showAnswering(h);
    });
    socket.on('reply:final', function (f) {
      var el = streaming[f.clientMessageId];
      if (el) el.textContent = f.text;
      else if (f.duplicate && !log.querySelector('[data-turn="' + f.turnId + '"]')) el = bubble('agent', f.text);
      if (el) el.setAttribute('data-turn', f.turnId);
      delete streaming[f.clientMessageId];
      typing.textContent = '';
    });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    var message = { id: 'm-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8), text: text };
    state.pending.push(message);
    save(state);
    bubble('visitor', text);
    if (socket && socket.connected) send(message);
  });

  cta.addEventListener('click', function () {
    socket.emit('conversion:report', { ctaId: 'cta-' + ctaLabel.toLowerCase().replace(/[^a-z0-9]+/g, '-') }, function (ack) {
      cta.textContent = ack.ok ? 'Thanks! We will be in touch.' : ctaLabel;
    });
  });

  function mount() {
    document.body.appendChild(host);
    load(base + socketPath + 'socket.io.min.js', connect);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
