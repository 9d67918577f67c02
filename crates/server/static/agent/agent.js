'use strict';

(function () {
  const WS_PATH = '/v3.2/agent/rtm/ws';
  const TOKEN_KEY = 'livechat.agent.token';
  const SEEN_KEY = 'livechat.agent.seen.v1';
  const OPEN_KEY = 'livechat.agent.open';
  const PING_MS = 15000;
  const REQUEST_TIMEOUT_MS = 15000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const APP_TITLE = 'Agent console';
  // Login errors worth retrying; anything else means the token is bad.
  const TRANSIENT_ERRORS = ['internal', 'service_unavailable', 'service_temporarily_unavailable',
    'too_many_requests', 'timeout', 'not_connected'];

  const byId = (id) => document.getElementById(id);
  const ui = {
    status: byId('status'),
    statusText: byId('status-text'),
    logout: byId('logout'),
    loginView: byId('login-view'),
    loginForm: byId('login-form'),
    tokenInput: byId('token-input'),
    loginError: byId('login-error'),
    app: byId('app'),
    listNote: byId('list-note'),
    chatList: byId('chat-list'),
    noChat: byId('no-chat'),
    chatView: byId('chat-view'),
    chatTitle: byId('chat-title'),
    chatSub: byId('chat-sub'),
    chatState: byId('chat-state'),
    endBtn: byId('end-chat'),
    transcript: byId('transcript'),
    composer: byId('composer'),
    input: byId('composer-input'),
    sendBtn: byId('send'),
    composerNote: byId('composer-note'),
  };

  const state = {
    token: null,
    ws: null,
    online: false,
    me: null,
    chats: new Map(),      // chat id -> chat model
    order: [],             // chat ids, newest first
    openId: null,
    attempt: 0,
    reconnectTimer: 0,
    pingTimer: 0,
    pending: new Map(),    // request id -> {resolve, reject, timer}
    closeReason: '',
    ready: false,
    drafts: new Map(),
    fetching: new Set(),
    listItems: new Map(),  // chat id -> <li>
    msgNodes: new Map(),   // event key -> <li> for the open chat
  };

  let counter = 0;

  // ---------- small helpers ----------

  function randomHex(bytes) {
    const buf = new Uint8Array(bytes);
    // getRandomValues works on plain http too, unlike randomUUID
    crypto.getRandomValues(buf);
    return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function nextId(prefix) {
    counter += 1;
    return prefix + '-' + counter.toString(36) + '-' + randomHex(6);
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Microseconds since the epoch, so events in the same millisecond still sort.
  function tsValue(iso) {
    if (typeof iso !== 'string') return NaN;
    const frac = /\.(\d+)/.exec(iso);
    const whole = Date.parse(iso.replace(/\.\d+/, ''));
    if (Number.isNaN(whole)) return NaN;
    const micro = frac ? parseInt((frac[1] + '000000').slice(0, 6), 10) : 0;
    return whole * 1000 + micro;
  }

  // Go through tsValue so six-digit fractions parse in every browser.
  function toDate(iso) {
    const us = tsValue(iso);
    return new Date(Number.isNaN(us) ? NaN : Math.floor(us / 1000));
  }

  function hhmm(iso) {
    const d = toDate(iso);
    if (Number.isNaN(d.getTime())) return '';
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  function fullDate(iso) {
    const d = toDate(iso);
    return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
  }

  function pageVisible() {
    return document.visibilityState !== 'hidden';
  }

  function storageGet(store, key) {
    try { return store.getItem(key); } catch (_) { return null; }
  }

  function storageSet(store, key, value) {
    try {
      if (value === null) store.removeItem(key); else store.setItem(key, value);
    } catch (_) { /* private mode or quota: not fatal */ }
  }

  class ApiError extends Error {
    constructor(type, message) {
      super(message || type);
      this.type = type;
    }
  }

  // ---------- token ----------

  // Read #token=... by hand: URLSearchParams would turn '+' into a space.
  function takeTokenFromUrl() {
    const hash = location.hash.replace(/^#/, '');
    if (!hash) return null;
    let token = null;
    const rest = [];
    for (const part of hash.split('&')) {
      if (part.startsWith('token=')) {
        try { token = decodeURIComponent(part.slice(6)); } catch (_) { token = part.slice(6); }
      } else if (part) {
        rest.push(part);
      }
    }
    if (token === null) return null;
    // keep the token out of the address bar and browser history
    history.replaceState(null, '', location.pathname + location.search + (rest.length ? '#' + rest.join('&') : ''));
    return token.trim() || null;
  }

  // ---------- "seen" bookkeeping for unread dots ----------

  let seenCache = null;

  function seenMap() {
    if (seenCache) return seenCache;
    try { seenCache = JSON.parse(storageGet(localStorage, SEEN_KEY) || '{}') || {}; } catch (_) { seenCache = {}; }
    if (typeof seenCache !== 'object' || Array.isArray(seenCache)) seenCache = {};
    return seenCache;
  }

  function saveSeen() {
    const map = seenMap();
    const keys = Object.keys(map);
    // cap the size so localStorage never grows without bound
    if (keys.length > 500) for (const k of keys.slice(0, keys.length - 500)) delete map[k];
    storageSet(localStorage, SEEN_KEY, JSON.stringify(map));
  }

  function isUnseen(chatId, ev) {
    const seen = seenMap()[chatId];
    if (!seen) return true;
    return tsValue(ev.created_at) > tsValue(seen);
  }

  function markSeen(chat) {
    let newest = null;
    let newestTs = -Infinity;
    const consider = (ev) => {
      if (!ev || !ev.id || !ev.created_at) return;
      const t = tsValue(ev.created_at);
      if (t > newestTs) { newestTs = t; newest = ev.created_at; }
    };
    for (const item of chat.events.values()) if (!item.pending) consider(item.ev);
    consider(chat.lastMsg);
    chat.unread = false;
    if (!newest) return;
    const map = seenMap();
    if (!map[chat.id] || tsValue(map[chat.id]) < newestTs) {
      delete map[chat.id];
      map[chat.id] = newest;
      saveSeen();
    }
  }

  // ---------- chat model ----------

  function ensureChat(id) {
    let chat = state.chats.get(id);
    if (!chat) {
      chat = { id, active: false, users: [], threadId: null, lastMsg: null, unread: false,
        events: new Map(), ending: false };
      state.chats.set(id, chat);
    }
    return chat;
  }

  function customerOf(chat) {
    return chat.users.find((u) => u && u.type === 'customer') || null;
  }

  function customerName(chat) {
    const c = customerOf(chat);
    if (c && typeof c.name === 'string' && c.name.trim()) return c.name.trim();
    return c && c.id ? 'Visitor ' + String(c.id).slice(0, 6) : 'Visitor';
  }

  function authorType(chat, ev) {
    if (ev.type === 'system_message' || !ev.author_id) return 'system';
    if (state.me && ev.author_id === state.me.id) return 'agent';
    const user = chat.users.find((u) => u && u.id === ev.author_id);
    if (user && (user.type === 'customer' || user.type === 'agent')) return user.type;
    // unknown author: the customer is normally listed, so guess from that
    return customerOf(chat) ? 'agent' : 'customer';
  }

  function agentName(chat, authorId) {
    const user = chat.users.find((u) => u && u.id === authorId);
    if (user && user.name) return user.name;
    if (state.me && state.me.id === authorId && state.me.name) return state.me.name;
    return 'Agent';
  }

  function isMessage(ev) {
    return ev && ev.type === 'message';
  }

  function considerLast(chat, ev) {
    if (!isMessage(ev) || !ev.id) return;
    if (!chat.lastMsg || tsValue(ev.created_at) >= tsValue(chat.lastMsg.created_at)) chat.lastMsg = ev;
  }

  // Sets chat.unread from the newest message; the open, visible chat counts as read.
  function refreshUnread(chat) {
    if (chat.id === state.openId && pageVisible()) {
      markSeen(chat);
      return;
    }
    const last = chat.lastMsg;
    chat.unread = !!(last && authorType(chat, last) === 'customer' && isUnseen(chat.id, last));
  }

  // Adds one event; returns true if it was new. Pushes may repeat, so dedupe by id.
  function mergeEvent(chat, ev) {
    if (!ev || typeof ev !== 'object' || !ev.id) return false;
    const existing = chat.events.get(ev.id);
    if (existing) {
      existing.ev = Object.assign({}, existing.ev, ev);
      return false;
    }
    let replaced = null;
    if (ev.custom_id) {
      const pendingKey = 'pending:' + ev.custom_id;
      if (chat.events.has(pendingKey)) {
        chat.events.delete(pendingKey);
        replaced = pendingKey;
      }
    }
    counter += 1;
    const sk = tsValue(ev.created_at);
    const item = { key: ev.id, ev, seq: counter, sk: Number.isNaN(sk) ? Date.now() * 1000 : sk, pending: false };
    chat.events.set(ev.id, item);
    considerLast(chat, ev);
    if (chat.id === state.openId) placeMessage(chat, item, replaced);
    return true;
  }

  function applyFullChat(raw, toTop) {
    if (!raw || !raw.id) return null;
    const chat = ensureChat(raw.id);
    if (Array.isArray(raw.users)) chat.users = raw.users;
    const thread = raw.thread;
    chat.active = !!(thread && thread.active);
    let added = false;
    if (thread) {
      if (thread.id) chat.threadId = thread.id;
      for (const ev of thread.events || []) if (mergeEvent(chat, ev)) added = true;
    }
    refreshUnread(chat);
    if (toTop) {
      state.order = [chat.id].concat(state.order.filter((id) => id !== chat.id));
    } else if (!state.order.includes(chat.id)) {
      state.order.push(chat.id);
    }
    renderList();
    if (chat.id === state.openId) {
      renderChatHead(chat);
      // a new participant may change how earlier messages are labelled
      if (Array.isArray(raw.users)) relabelTranscript(chat);
      if (added) scrollToBottom();
    }
    return chat;
  }

  function applyChatList(summaries) {
    const order = [];
    for (const s of summaries) {
      if (!s || !s.id || order.includes(s.id)) continue;
      const chat = ensureChat(s.id);
      chat.active = !!s.active;
      if (Array.isArray(s.users)) chat.users = s.users;
      if (s.last_thread_id) chat.threadId = s.last_thread_id;
      const last = s.last_event_per_type && s.last_event_per_type.message;
      if (last && last.event) considerLast(chat, last.event);
      refreshUnread(chat);
      order.push(s.id);
    }
    if (state.openId && !order.includes(state.openId) && state.chats.has(state.openId)) order.push(state.openId);
    for (const id of Array.from(state.chats.keys())) if (!order.includes(id)) state.chats.delete(id);
    state.order = order;
    renderList();
    const open = state.chats.get(state.openId);
    if (open) renderChatHead(open);
  }

  // ---------- status ----------

  function setStatus(kind, text) {
    ui.status.dataset.state = kind;
    ui.statusText.textContent = text;
  }

  function describeClose(ev) {
    if (ev && ev.reason) return ev.reason;
    switch (ev && ev.code) {
      case 1000: return 'closed by the server';
      case 1001: return 'server is restarting';
      case 1006: return 'connection lost';
      case 1008: return 'rejected by the server';
      case 1011: return 'server error';
      default: return ev && ev.code ? 'connection closed (' + ev.code + ')' : 'connection closed';
    }
  }

  // ---------- websocket ----------

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = 0;
    if (!state.token || state.ws) return;
    setStatus('connecting', state.attempt ? 'Reconnecting…' : 'Connecting…');
    const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + WS_PATH;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (_) {
      scheduleReconnect('cannot open a connection');
      return;
    }
    state.ws = ws;
    state.closeReason = '';
    ws.addEventListener('open', () => { if (ws === state.ws) login(); });
    ws.addEventListener('message', (e) => { if (ws === state.ws) onFrame(e.data); });
    ws.addEventListener('close', (e) => {
      if (ws !== state.ws) return;
      state.ws = null;
      connectionLost(state.closeReason || describeClose(e));
    });
  }

  // Drop the socket now rather than waiting for a close handshake that may never come.
  function dropConnection(reason) {
    const ws = state.ws;
    if (!ws) return;
    state.ws = null;
    try { ws.close(1000); } catch (_) { /* already closing */ }
    connectionLost(reason);
  }

  function connectionLost(reason) {
    state.online = false;
    stopPing();
    failPending(reason);
    renderComposer();
    scheduleReconnect(reason);
  }

  function scheduleReconnect(reason) {
    if (!state.token) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, state.attempt));
    // +-20% jitter so many consoles don't reconnect in lockstep
    const delay = Math.round(Math.min(BACKOFF_MAX_MS, base * (0.8 + Math.random() * 0.4)));
    state.attempt += 1;
    setStatus('offline', 'Reconnecting in ' + Math.max(1, Math.round(delay / 1000)) + ' s — ' + reason);
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function stopConnection() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = 0;
    stopPing();
    const ws = state.ws;
    state.ws = null;
    state.online = false;
    if (ws) { try { ws.close(1000); } catch (_) { /* ignore */ } }
    failPending('signed out');
  }

  function failPending(reason) {
    for (const [id, p] of state.pending) {
      clearTimeout(p.timer);
      state.pending.delete(id);
      p.reject(new ApiError('not_connected', reason));
    }
  }

  function request(action, payload) {
    return new Promise((resolve, reject) => {
      const ws = state.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        reject(new ApiError('not_connected', 'not connected'));
        return;
      }
      const id = nextId('req');
      const timer = setTimeout(() => {
        state.pending.delete(id);
        reject(new ApiError('timeout', 'no reply from the server'));
      }, REQUEST_TIMEOUT_MS);
      state.pending.set(id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify({ request_id: id, action, payload: payload || {} }));
      } catch (_) {
        clearTimeout(timer);
        state.pending.delete(id);
        reject(new ApiError('not_connected', 'send failed'));
      }
    });
  }

  function onFrame(data) {
    let msg;
    try { msg = JSON.parse(data); } catch (_) { return; }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'response') {
      const p = state.pending.get(msg.request_id);
      if (!p) return;
      state.pending.delete(msg.request_id);
      clearTimeout(p.timer);
      if (msg.success) {
        p.resolve(msg.payload || {});
      } else {
        const err = (msg.payload && msg.payload.error) || {};
        p.reject(new ApiError(err.type || 'error', err.message || 'request failed'));
      }
      return;
    }
    if (msg.type === 'push' && state.online) handlePush(msg.action, msg.payload || {});
  }

  async function login() {
    let res;
    try {
      res = await request('login', { token: state.token });
    } catch (err) {
      if (TRANSIENT_ERRORS.includes(err.type)) {
        dropConnection('sign-in failed: ' + err.message);
      } else {
        signOut('Sign-in failed: ' + err.message);
      }
      return;
    }
    state.me = res.my_profile || {};
    state.online = true;
    state.attempt = 0;
    setStatus('online', 'Online' + (state.me.name ? ' as ' + state.me.name : ''));
    ui.logout.hidden = false;
    startPing();
    renderComposer();
    await syncAll();
  }

  // Runs after every login so nothing sent while we were away is missed.
  async function syncAll() {
    try {
      const res = await request('list_chats', {});
      applyChatList(Array.isArray(res.chats_summary) ? res.chats_summary : []);
    } catch (err) {
      if (err.type !== 'not_connected') ui.listNote.textContent = 'Could not load chats: ' + err.message;
      return;
    }
    if (!state.ready) {
      state.ready = true;
      document.body.dataset.ready = '1';
      // after a reload, reopen the chat that was open before
      const saved = storageGet(sessionStorage, OPEN_KEY);
      if (!state.openId && saved && state.chats.has(saved)) {
        openChat(saved, false);
        return;
      }
    }
    if (state.openId) await loadChat(state.openId);
  }

  function startPing() {
    stopPing();
    state.pingTimer = setInterval(() => {
      request('ping', {}).catch((err) => {
        if (err.type === 'timeout') dropConnection('no reply to ping');
      });
    }, PING_MS);
  }

  function stopPing() {
    clearInterval(state.pingTimer);
    state.pingTimer = 0;
  }

  // ---------- pushes ----------

  function handlePush(action, payload) {
    switch (action) {
      case 'incoming_chat':
        applyFullChat(payload.chat, true);
        updateTitle();
        break;
      case 'incoming_event':
        onIncomingEvent(payload);
        break;
      case 'chat_deactivated':
        onChatDeactivated(payload);
        break;
      default:
        break; // unknown pushes are fine to ignore
    }
  }

  function onIncomingEvent(payload) {
    const chatId = payload.chat_id;
    const ev = payload.event;
    if (!chatId || !ev) return;
    const chat = state.chats.get(chatId);
    if (!chat) {
      fetchUnknownChat(chatId);
      return;
    }
    if (payload.thread_id) chat.threadId = payload.thread_id;
    if (!mergeEvent(chat, ev)) return;
    if (isMessage(ev) && authorType(chat, ev) === 'customer') {
      if (chat.id === state.openId && pageVisible()) markSeen(chat);
      else if (isUnseen(chat.id, ev)) chat.unread = true;
    } else if (chat.id === state.openId && pageVisible()) {
      markSeen(chat);
    }
    renderListItem(chat);
    updateTitle();
    if (chat.id === state.openId) scrollToBottom();
  }

  function onChatDeactivated(payload) {
    const chat = state.chats.get(payload.chat_id);
    if (!chat) return;
    chat.active = false;
    renderListItem(chat);
    if (chat.id === state.openId) renderChatHead(chat);
  }

  async function fetchUnknownChat(chatId) {
    if (state.fetching.has(chatId)) return;
    state.fetching.add(chatId);
    try {
      const res = await request('get_chat', { chat_id: chatId });
      applyFullChat(res, true);
      updateTitle();
    } catch (_) {
      // the next list_chats after a reconnect will pick it up
    } finally {
      state.fetching.delete(chatId);
    }
  }

  async function loadChat(chatId) {
    const chat = state.chats.get(chatId);
    if (!chat) return;
    if (chat.id === state.openId && chat.events.size === 0) ui.transcript.setAttribute('aria-busy', 'true');
    try {
      const res = await request('get_chat', { chat_id: chatId });
      if (res && res.id === chatId) applyFullChat(res, false);
      if (chatId === state.openId) {
        if (pageVisible()) markSeen(chat);
        renderListItem(chat);
        updateTitle();
        scrollToBottom();
      }
    } catch (err) {
      if (chatId === state.openId && err.type !== 'not_connected') showComposerNote('Could not load this chat: ' + err.message);
    } finally {
      if (chatId === state.openId) ui.transcript.removeAttribute('aria-busy');
    }
  }

  // ---------- chat list rendering ----------

  function renderList() {
    const focused = document.activeElement;
    const keep = new Set(state.order);
    for (const [id, li] of state.listItems) {
      if (!keep.has(id)) { li.remove(); state.listItems.delete(id); }
    }
    state.order.forEach((id, index) => {
      const chat = state.chats.get(id);
      if (!chat) return;
      let li = state.listItems.get(id);
      if (!li) li = createListItem(chat);
      renderListItem(chat);
      // only move nodes that are out of place, so focus and screen readers aren't disturbed
      const current = ui.chatList.children[index];
      if (current !== li) ui.chatList.insertBefore(li, current || null);
    });
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
    ui.listNote.textContent = state.order.length ? '' : 'No chats yet. New chats appear here.';
    ui.listNote.hidden = state.order.length > 0;
    updateTitle();
  }

  function createListItem(chat) {
    const li = make('li', 'chat-list-row');
    const btn = make('button', 'chat-item');
    btn.type = 'button';
    btn.dataset.testid = 'agent-chat-item';
    btn.dataset.chatId = chat.id;
    btn.addEventListener('click', () => openChat(chat.id));
    li.appendChild(btn);
    state.listItems.set(chat.id, li);
    return li;
  }

  function renderListItem(chat) {
    const li = state.listItems.get(chat.id);
    if (!li) return;
    const btn = li.firstElementChild;
    btn.dataset.active = chat.active ? 'true' : 'false';
    btn.dataset.unread = chat.unread ? 'true' : 'false';
    btn.classList.toggle('is-unread', chat.unread);
    btn.classList.toggle('is-ended', !chat.active);
    if (chat.id === state.openId) btn.setAttribute('aria-current', 'true');
    else btn.removeAttribute('aria-current');

    const top = make('span', 'ci-top');
    top.appendChild(make('span', 'ci-name', customerName(chat)));
    if (chat.lastMsg) {
      const time = make('time', 'ci-time', hhmm(chat.lastMsg.created_at));
      time.dateTime = chat.lastMsg.created_at;
      top.appendChild(time);
    }

    const bottom = make('span', 'ci-bottom');
    let preview = 'No messages yet';
    if (chat.lastMsg) {
      const text = String(chat.lastMsg.text || '').replace(/\s+/g, ' ').trim();
      const mine = state.me && chat.lastMsg.author_id === state.me.id;
      preview = (mine ? 'You: ' : '') + (text || '…');
    }
    bottom.appendChild(make('span', 'ci-preview', preview));
    if (!chat.active) bottom.appendChild(make('span', 'ci-ended', 'ended'));
    if (chat.unread) {
      const dot = make('span', 'ci-unread');
      dot.dataset.testid = 'agent-unread-dot';
      dot.appendChild(make('span', 'visually-hidden', 'new messages'));
      bottom.appendChild(dot);
    }
    btn.replaceChildren(top, bottom);
  }

  function updateTitle() {
    let unread = 0;
    for (const chat of state.chats.values()) if (chat.unread) unread += 1;
    document.title = (unread ? '(' + unread + ') ' : '') + APP_TITLE;
  }

  // ---------- open chat ----------

  function openChat(chatId, focusComposer) {
    const chat = state.chats.get(chatId);
    if (!chat) return;
    if (state.openId === chatId) {
      if (focusComposer !== false && !ui.input.disabled) ui.input.focus();
      return;
    }
    storageSet(sessionStorage, OPEN_KEY, chatId);
    if (state.openId) state.drafts.set(state.openId, ui.input.value);
    const previous = state.chats.get(state.openId);
    state.openId = chatId;
    if (previous) renderListItem(previous);

    ui.noChat.hidden = true;
    ui.chatView.hidden = false;
    showComposerNote('');
    renderChatHead(chat);
    renderTranscript(chat);
    ui.input.value = state.drafts.get(chatId) || '';
    autoGrow();
    markSeen(chat);
    renderListItem(chat);
    updateTitle();
    loadChat(chatId);
  }

  function renderChatHead(chat) {
    ui.chatTitle.textContent = customerName(chat);
    const customer = customerOf(chat);
    const sub = [];
    if (customer && customer.email) sub.push(customer.email);
    if (customer && customer.present === false && chat.active) sub.push('visitor left the page');
    ui.chatSub.textContent = sub.join(' · ');
    ui.chatState.textContent = chat.active ? 'Active' : 'Ended';
    ui.chatState.dataset.active = chat.active ? 'true' : 'false';
    ui.endBtn.disabled = !chat.active || chat.ending;
    renderComposer();
  }

  function renderComposer() {
    const chat = state.chats.get(state.openId);
    const ended = !!chat && !chat.active;
    ui.input.disabled = ended;
    ui.sendBtn.disabled = ended;
    ui.input.placeholder = ended
      ? 'This chat has ended.'
      : 'Type a message… (Enter to send, Shift+Enter for a new line)';
  }

  function sortedItems(chat) {
    return Array.from(chat.events.values()).sort((a, b) => (a.sk - b.sk) || (a.seq - b.seq));
  }

  function renderTranscript(chat) {
    ui.transcript.setAttribute('aria-busy', 'true');
    state.msgNodes.clear();
    ui.transcript.replaceChildren();
    for (const item of sortedItems(chat)) {
      const node = buildMessage(chat, item);
      if (!node) continue;
      state.msgNodes.set(item.key, node);
      ui.transcript.appendChild(node);
    }
    ui.transcript.removeAttribute('aria-busy');
    scrollToBottom();
  }

  function relabelTranscript(chat) {
    for (const item of chat.events.values()) {
      const old = state.msgNodes.get(item.key);
      if (!old) continue;
      const author = item.pending ? 'agent' : authorType(chat, item.ev);
      if (old.dataset.author === author) continue;
      const fresh = buildMessage(chat, item);
      if (fresh) { old.replaceWith(fresh); state.msgNodes.set(item.key, fresh); }
    }
  }

  // Inserts (or moves) a message node so the transcript stays in time order.
  function placeMessage(chat, item, replacedKey) {
    let node = null;
    if (replacedKey) {
      const old = state.msgNodes.get(replacedKey);
      state.msgNodes.delete(replacedKey);
      if (old) {
        // refill the pending bubble in place so it isn't announced twice
        const fresh = buildMessage(chat, item);
        if (!fresh) { old.remove(); return; }
        old.replaceChildren(...Array.from(fresh.childNodes));
        copyMessageAttrs(fresh, old);
        node = old;
      }
    }
    if (!node) node = buildMessage(chat, item);
    if (!node) return;
    node.sortKey = item.sk;
    node.sortSeq = item.seq;
    state.msgNodes.set(item.key, node);

    let before = null;
    for (let child = ui.transcript.lastElementChild; child; child = child.previousElementSibling) {
      if (child === node) continue;
      if (child.sortKey < item.sk || (child.sortKey === item.sk && child.sortSeq < item.seq)) break;
      before = child;
    }
    if (node.parentNode === ui.transcript && node.nextElementSibling === before) return;
    ui.transcript.insertBefore(node, before);
  }

  function copyMessageAttrs(from, to) {
    to.className = from.className;
    for (const key of Object.keys(to.dataset)) delete to.dataset[key];
    Object.assign(to.dataset, from.dataset);
  }

  function buildMessage(chat, item) {
    const ev = item.ev;
    const text = typeof ev.text === 'string' ? ev.text : '';
    if (ev.type !== 'message' && ev.type !== 'system_message' && !text) return null;
    const author = item.pending ? 'agent' : authorType(chat, ev);

    const li = make('li', 'msg msg-' + author);
    li.dataset.testid = 'agent-message';
    li.dataset.author = author;
    if (ev.id) li.dataset.eventId = ev.id;
    if (item.pending) li.classList.add('is-pending');
    if (item.failed) li.classList.add('is-failed');
    li.sortKey = item.sk;
    li.sortSeq = item.seq;

    const meta = make('div', 'msg-meta');
    if (author !== 'system') {
      const label = author === 'customer' ? 'Visitor' : agentName(chat, ev.author_id);
      meta.appendChild(make('span', 'msg-author', label));
    }
    if (item.failed) {
      meta.appendChild(make('span', 'msg-flag', 'Not sent: ' + item.failed));
    } else if (item.pending && !item.sent) {
      meta.appendChild(make('span', 'msg-flag', 'Sending…'));
    } else {
      const time = make('time', 'msg-time', hhmm(ev.created_at));
      time.dateTime = ev.created_at || '';
      time.title = fullDate(ev.created_at);
      meta.appendChild(time);
    }
    li.appendChild(meta);
    li.appendChild(make('div', 'msg-text', text));
    return li;
  }

  function refreshPendingNode(chat, item) {
    if (chat.id !== state.openId) return;
    const old = state.msgNodes.get(item.key);
    if (!old) return;
    const fresh = buildMessage(chat, item);
    old.replaceChildren(...Array.from(fresh.childNodes));
    copyMessageAttrs(fresh, old);
  }

  function scrollToBottom() {
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  // ---------- composer & actions ----------

  function showComposerNote(text) {
    ui.composerNote.textContent = text;
    ui.composerNote.hidden = !text;
  }

  function sendMessage() {
    const chat = state.chats.get(state.openId);
    if (!chat) return;
    const text = ui.input.value.trim();
    if (!text) return;
    if (!chat.active) { showComposerNote('This chat has ended.'); return; }
    if (!state.online) { showComposerNote('Not connected — your message is kept here; send it again once online.'); return; }
    showComposerNote('');

    const customId = nextId('msg');
    counter += 1;
    const item = {
      key: 'pending:' + customId,
      pending: true,
      sent: false,
      failed: '',
      seq: counter,
      sk: Infinity,
      ev: { id: null, custom_id: customId, type: 'message', text, author_id: state.me && state.me.id, created_at: new Date().toISOString() },
    };
    chat.events.set(item.key, item);
    placeMessage(chat, item, null);
    ui.input.value = '';
    state.drafts.delete(chat.id);
    autoGrow();
    scrollToBottom();

    request('send_event', { chat_id: chat.id, event: { type: 'message', text, custom_id: customId } })
      .then(() => {
        // the incoming_event push normally replaces the bubble; until then show it as sent
        if (!chat.events.has(item.key)) return;
        item.sent = true;
        refreshPendingNode(chat, item);
      })
      .catch((err) => {
        if (!chat.events.has(item.key)) return;
        item.failed = err.message || 'error';
        refreshPendingNode(chat, item);
      });
  }

  function endChat() {
    const chat = state.chats.get(state.openId);
    if (!chat || !chat.active || chat.ending) return;
    chat.ending = true;
    ui.endBtn.disabled = true;
    showComposerNote('');
    request('deactivate_chat', { chat_id: chat.id })
      .then(() => {
        chat.active = false;
      })
      .catch((err) => {
        if (chat.id === state.openId) showComposerNote('Could not end the chat: ' + err.message);
      })
      .finally(() => {
        chat.ending = false;
        renderListItem(chat);
        if (chat.id === state.openId) renderChatHead(chat);
      });
  }

  function autoGrow() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 160) + 'px';
  }

  // ---------- session ----------

  function startSession() {
    ui.loginView.hidden = true;
    ui.app.hidden = false;
    ui.logout.hidden = false;
    state.attempt = 0;
    connect();
  }

  function resetChats() {
    state.chats.clear();
    state.order = [];
    state.openId = null;
    storageSet(sessionStorage, OPEN_KEY, null);
    state.drafts.clear();
    state.listItems.clear();
    state.msgNodes.clear();
    ui.chatList.replaceChildren();
    ui.transcript.replaceChildren();
    ui.chatView.hidden = true;
    ui.noChat.hidden = false;
    ui.listNote.hidden = false;
    ui.listNote.textContent = 'Loading chats…';
    updateTitle();
  }

  function signOut(message) {
    stopConnection();
    state.token = null;
    state.me = null;
    storageSet(sessionStorage, TOKEN_KEY, null);
    resetChats();
    ui.app.hidden = true;
    ui.logout.hidden = true;
    ui.loginView.hidden = false;
    ui.loginError.textContent = message || '';
    ui.tokenInput.value = '';
    setStatus('offline', 'Signed out');
    ui.tokenInput.focus();
  }

  // ---------- wiring ----------

  ui.loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = ui.tokenInput.value.trim();
    if (!token) {
      ui.loginError.textContent = 'Please paste a token.';
      ui.tokenInput.focus();
      return;
    }
    ui.loginError.textContent = '';
    ui.tokenInput.value = '';
    state.token = token;
    storageSet(sessionStorage, TOKEN_KEY, token);
    startSession();
  });

  ui.logout.addEventListener('click', () => signOut(''));

  ui.composer.addEventListener('submit', (e) => {
    e.preventDefault();
    sendMessage();
  });

  ui.input.addEventListener('keydown', (e) => {
    // isComposing: don't send while an IME is still composing text
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      sendMessage();
    }
  });

  ui.input.addEventListener('input', autoGrow);
  ui.endBtn.addEventListener('click', endChat);

  document.addEventListener('visibilitychange', () => {
    if (!pageVisible()) return;
    const chat = state.chats.get(state.openId);
    if (chat && chat.unread) {
      markSeen(chat);
      renderListItem(chat);
      updateTitle();
    }
  });

  // When the network comes back, don't sit out the rest of a long backoff.
  window.addEventListener('online', () => {
    if (state.token && !state.ws && state.reconnectTimer) {
      state.attempt = 0;
      connect();
    }
  });

  // Opening another #token= link in the same tab switches to that token.
  window.addEventListener('hashchange', () => {
    const token = takeTokenFromUrl();
    if (!token || token === state.token) return;
    stopConnection();
    resetChats();
    state.token = token;
    storageSet(sessionStorage, TOKEN_KEY, token);
    ui.loginError.textContent = '';
    startSession();
  });

  showComposerNote('');
  const fromUrl = takeTokenFromUrl();
  if (fromUrl) storageSet(sessionStorage, TOKEN_KEY, fromUrl);
  state.token = fromUrl || storageGet(sessionStorage, TOKEN_KEY);
  if (state.token) startSession();
  else signOut('');
})();
