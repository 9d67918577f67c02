'use strict';

(function () {
  const WS_PATH = '/v3.2/agent/rtm/ws';
  const TOKEN_KEY = 'livechat.agent.token';
  const SEEN_KEY = 'livechat.agent.seen.v1';
  const OPEN_KEY = 'livechat.agent.open';
  const ACCEPTING_KEY = 'livechat.agent.accepting';
  const PING_MS = 15000;
  const REQUEST_TIMEOUT_MS = 15000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const APP_TITLE = 'Agent console';
  // Typing indicator: "stopped" after this long without a keystroke, and at most one
  // "started" per throttle window.
  const TYPING_IDLE_MS = 3000;
  const TYPING_THROTTLE_MS = 2000;
  const MAX_CARD_BUTTONS = 3;
  // Groups the console offers as transfer targets (the demo configuration's groups).
  const TRANSFER_GROUPS = [{ id: 0, name: 'General' }, { id: 1, name: 'Sales' }];
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
    presence: byId('presence'),
    rating: byId('chat-rating'),
    sendCardBtn: byId('send-card'),
    transferBtn: byId('transfer'),
    sneak: byId('sneak-peek'),
    sneakText: byId('sneak-peek-text'),
    panel: byId('visitor-panel'),
    facts: byId('visitor-facts'),
    fieldsTitle: byId('visitor-fields-title'),
    fields: byId('visitor-fields'),
    visitorNote: byId('visitor-note'),
    inviteForm: byId('invite-form'),
    inviteText: byId('invite-text'),
    inviteNote: byId('invite-note'),
    banBtn: byId('ban'),
    cardDialog: byId('card-dialog'),
    cardForm: byId('card-form'),
    cardTitle: byId('card-title'),
    cardExtra: byId('card-extra'),
    cardSubtitle: byId('card-subtitle'),
    cardImage: byId('card-image'),
    cardRows: byId('card-button-rows'),
    cardAdd: byId('card-add-button'),
    cardError: byId('card-error'),
    cardCancel: byId('card-cancel'),
    cardSubmit: byId('card-submit'),
    transferDialog: byId('transfer-dialog'),
    transferForm: byId('transfer-form'),
    transferAgents: byId('transfer-agents'),
    transferOther: byId('transfer-other'),
    transferAgentId: byId('transfer-agent-id'),
    transferError: byId('transfer-error'),
    transferCancel: byId('transfer-cancel'),
    transferSubmit: byId('transfer-submit'),
    banDialog: byId('ban-dialog'),
    banForm: byId('ban-form'),
    banError: byId('ban-error'),
    banCancel: byId('ban-cancel'),
    banConfirm: byId('ban-confirm'),
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
    accepting: true,       // the routing status the agent wants
    presenceSeq: 0,
    customers: new Map(),  // customer id -> what get_customer and pushes told us
    greetings: new Map(),  // greeting unique id -> customer id, for greetings sent from here
    typing: { chatId: null, on: false, lastTrueAt: 0, stopTimer: 0, startTimer: 0 },
    dialogReturn: new Map(), // <dialog> -> element to focus when it closes
    busy: new Set(),       // dialogs with a request in flight
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

  // Only absolute http(s) addresses become links or images; anything else stays text.
  function httpUrl(raw, httpsOnly) {
    if (typeof raw !== 'string' || !raw.trim()) return null;
    let url;
    try { url = new URL(raw.trim()); } catch (_) { return null; }
    if (url.protocol === 'https:' || (!httpsOnly && url.protocol === 'http:')) return url.href;
    return null;
  }

  function laterTime(a, b) {
    if (typeof b !== 'string') return a || null;
    if (typeof a !== 'string') return b;
    return tsValue(b) > tsValue(a) ? b : a;
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
        events: new Map(), ending: false,
        rating: null,        // {score, comment} of the current thread
        queue: null,         // {position, wait_time} while waiting for an agent
        sneak: null,         // {text} the visitor is typing
        customerSeen: null,  // the visitor has seen everything up to this time
      };
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

  // Events that count as the chat's latest message in the list.
  function isListed(ev) {
    return ev && (ev.type === 'message' || ev.type === 'rich_message');
  }

  function firstTitle(ev) {
    const elements = Array.isArray(ev.elements) ? ev.elements : [];
    const el = elements.find((e) => e && typeof e.title === 'string' && e.title.trim());
    return el ? el.title.trim() : '';
  }

  function previewText(ev) {
    if (ev.type === 'rich_message') return 'Card: ' + (firstTitle(ev) || '…');
    return String(ev.text || '');
  }

  // Who handles the chat, when it is not this agent: shown in the list and the header.
  function holderText(chat) {
    if (!chat.active) return '';
    if (chat.queue && chat.queue.position) return 'queued #' + chat.queue.position;
    const agents = chat.users.filter((u) => u && u.type === 'agent');
    if (state.me && agents.some((u) => u.id === state.me.id)) return '';
    if (agents.length) return 'with ' + agents.map((u) => u.name || u.id).join(', ');
    return 'unassigned';
  }

  function syncSeenFromUsers(chat) {
    const customer = customerOf(chat);
    if (customer && customer.events_seen_up_to) chat.customerSeen = laterTime(chat.customerSeen, customer.events_seen_up_to);
  }

  function considerLast(chat, ev) {
    if (!isListed(ev) || !ev.id) return;
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
      const before = JSON.stringify(existing.ev);
      existing.ev = Object.assign({}, existing.ev, ev);
      if (chat.id === state.openId && JSON.stringify(existing.ev) !== before) rerenderItem(chat, existing);
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
      if (thread.id && thread.id !== chat.threadId) {
        // a new conversation: what belonged to the previous thread no longer applies
        chat.sneak = null;
        chat.rating = null;
      }
      if (thread.id) chat.threadId = thread.id;
      const props = thread.properties;
      chat.rating = props && props.rating && typeof props.rating === 'object' ? Object.assign({}, props.rating) : null;
      chat.queue = thread.active && thread.queue ? thread.queue : null;
      for (const ev of thread.events || []) if (mergeEvent(chat, ev)) added = true;
    }
    if (!chat.active) { chat.queue = null; chat.sneak = null; }
    syncSeenFromUsers(chat);
    refreshUnread(chat);
    if (toTop) {
      state.order = [chat.id].concat(state.order.filter((id) => id !== chat.id));
    } else if (!state.order.includes(chat.id)) {
      state.order.push(chat.id);
    }
    renderList();
    if (chat.id === state.openId) {
      renderChatHead(chat);
      renderSneak(chat);
      renderPanel(chat);
      // a new participant may change how earlier messages are labelled
      if (Array.isArray(raw.users)) relabelTranscript(chat);
      renderSeen(chat);
      if (added) scrollToBottom();
    }
    return chat;
  }

  function applyChatList(summaries) {
    const order = [];
    for (const s of summaries) {
      if (!s || !s.id || order.includes(s.id)) continue;
      const chat = ensureChat(s.id);
      const last = s.last_thread_summary;
      chat.active = !!(last && last.active);
      if (Array.isArray(s.users)) chat.users = s.users;
      if (last && last.id) chat.threadId = last.id;
      if (!chat.active) chat.queue = null;
      syncSeenFromUsers(chat);
      const perType = s.last_event_per_type || {};
      for (const type of ['message', 'rich_message']) {
        const last = perType[type];
        if (last && last.event) considerLast(chat, last.event);
      }
      refreshUnread(chat);
      order.push(s.id);
    }
    if (state.openId && !order.includes(state.openId) && state.chats.has(state.openId)) order.push(state.openId);
    for (const id of Array.from(state.chats.keys())) if (!order.includes(id)) state.chats.delete(id);
    state.order = order;
    renderList();
    const open = state.chats.get(state.openId);
    if (open) { renderChatHead(open); renderPanel(open); }
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
    forgetTyping();
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
    forgetTyping();
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
    // The server remembers the routing status across reconnects. A console that has
    // its own choice (this tab toggled it) sends that; a fresh one adopts the server's.
    if (storageGet(sessionStorage, ACCEPTING_KEY) === null && state.me.routing_status) {
      setAccepting(state.me.routing_status === 'accepting_chats');
    } else {
      pushPresence(false);
    }
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
      case 'event_updated':
        onEventUpdated(payload);
        break;
      case 'user_added_to_chat':
        onUserAdded(payload);
        break;
      case 'user_removed_from_chat':
        onUserRemoved(payload);
        break;
      case 'chat_transferred':
      case 'queue_position_updated':
        onQueueChange(payload);
        break;
      case 'incoming_sneak_peek':
        onSneakPeek(payload);
        break;
      case 'customer_updated':
        onCustomerUpdated(payload);
        break;
      case 'customer_page_updated':
        onCustomerPage(payload);
        break;
      case 'thread_properties_updated':
        onThreadProperties(payload, false);
        break;
      case 'thread_properties_deleted':
        onThreadProperties(payload, true);
        break;
      case 'events_marked_as_seen':
        onEventsSeen(payload);
        break;
      case 'greeting_accepted':
      case 'greeting_canceled':
        onGreetingAnswered(payload, action === 'greeting_accepted');
        break;
      default:
        break; // unknown pushes are fine to ignore
    }
  }

  // Repaints what depends on a chat's participants and state, wherever it is shown.
  function chatChanged(chat) {
    renderListItem(chat);
    if (chat.id === state.openId) {
      renderChatHead(chat);
      renderSneak(chat);
      renderPanel(chat);
    }
  }

  function onEventUpdated(payload) {
    const chat = state.chats.get(payload.chat_id);
    const ev = payload.event;
    if (!chat || !ev || !ev.id) return;
    const item = chat.events.get(ev.id);
    if (!item) {
      mergeEvent(chat, ev);
    } else {
      // the push carries the whole event, so it replaces what we had
      item.ev = ev;
      if (chat.lastMsg && chat.lastMsg.id === ev.id) chat.lastMsg = ev;
      if (chat.id === state.openId) rerenderItem(chat, item);
    }
    renderListItem(chat);
  }

  function onUserAdded(payload) {
    const chat = state.chats.get(payload.chat_id);
    const user = payload.user;
    if (!chat) { fetchUnknownChat(payload.chat_id); return; }
    if (!user || !user.id) return;
    const at = chat.users.findIndex((u) => u && u.id === user.id);
    if (at >= 0) chat.users[at] = Object.assign({}, chat.users[at], user);
    else chat.users.push(user);
    if (user.type === 'agent') chat.queue = null;
    chatChanged(chat);
    if (chat.id === state.openId) relabelTranscript(chat);
  }

  function onUserRemoved(payload) {
    const chat = state.chats.get(payload.chat_id);
    if (!chat || !payload.user_id) return;
    chat.users = chat.users.filter((u) => u && u.id !== payload.user_id);
    chatChanged(chat);
  }

  // chat_transferred and queue_position_updated: both say whether (and where) it waits.
  function onQueueChange(payload) {
    const chat = state.chats.get(payload.chat_id);
    if (!chat) return;
    const queue = payload.queue;
    chat.queue = queue && queue.position ? queue : null;
    chatChanged(chat);
  }

  function onSneakPeek(payload) {
    const chat = state.chats.get(payload.chat_id);
    const peek = payload.sneak_peek;
    if (!chat || !peek) return;
    const text = typeof peek.text === 'string' ? peek.text : '';
    chat.sneak = chat.active && text.trim() ? { text } : null;
    if (chat.id === state.openId) renderSneak(chat);
  }

  function customerInfo(id) {
    let info = state.customers.get(id);
    if (!info) {
      info = { id, name: undefined, email: undefined, sessionFields: null, statistics: null, page: null,
        banned: false, present: undefined, error: '', loaded: false, greeting: null, verification: null };
      state.customers.set(id, info);
    }
    return info;
  }

  function openCustomerId() {
    const chat = state.chats.get(state.openId);
    const customer = chat && customerOf(chat);
    return customer ? customer.id : null;
  }

  function onCustomerUpdated(payload) {
    const changed = payload.customer;
    if (!changed || typeof changed !== 'object' || !changed.id) return;
    const info = customerInfo(changed.id);
    if ('name' in changed) info.name = changed.name;
    if ('email' in changed) info.email = changed.email;
    if (Array.isArray(changed.session_fields)) info.sessionFields = changed.session_fields;
    if ('verification' in changed) info.verification = verificationOf(changed.verification);
    for (const chat of state.chats.values()) {
      const user = customerOf(chat);
      if (!user || user.id !== changed.id) continue;
      if ('name' in changed) user.name = changed.name;
      if ('email' in changed) user.email = changed.email;
      chatChanged(chat);
    }
  }

  function onCustomerPage(payload) {
    if (!payload.customer_id || typeof payload.url !== 'string') return;
    const info = customerInfo(payload.customer_id);
    info.page = { url: payload.url, title: typeof payload.title === 'string' ? payload.title : '' };
    if (openCustomerId() === payload.customer_id) renderPanel(state.chats.get(state.openId));
  }

  function onThreadProperties(payload, deleted) {
    const chat = state.chats.get(payload.chat_id);
    const props = payload.properties;
    if (!chat || !props || !('rating' in props)) return;
    // a rating of an earlier conversation does not describe the current one
    if (payload.thread_id && chat.threadId && payload.thread_id !== chat.threadId) return;
    if (deleted) {
      const names = Array.isArray(props.rating) ? props.rating : [];
      if (!chat.rating || names.includes('score')) chat.rating = null;
      else for (const name of names) delete chat.rating[name];
    } else if (props.rating && typeof props.rating === 'object') {
      chat.rating = Object.assign({}, chat.rating, props.rating);
    }
    if (chat.id === state.openId) renderRating(chat);
  }

  function onEventsSeen(payload) {
    const chat = state.chats.get(payload.chat_id);
    if (!chat || !payload.user_id) return;
    const customer = customerOf(chat);
    if (!customer || customer.id !== payload.user_id) return;
    chat.customerSeen = laterTime(chat.customerSeen, payload.seen_up_to);
    renderSeen(chat);
  }

  function onGreetingAnswered(payload, accepted) {
    const customerId = state.greetings.get(payload.unique_id);
    if (!customerId) return; // sent by a trigger or another agent
    state.greetings.delete(payload.unique_id);
    const info = customerInfo(customerId);
    if (!info.greeting || info.greeting.uniqueId !== payload.unique_id) return;
    info.greeting.text = accepted ? 'The visitor accepted your invitation.' : 'The visitor dismissed your invitation.';
    if (openCustomerId() === customerId) renderInviteNote(info);
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
    if (ev.author_id && authorType(chat, ev) === 'customer') {
      // sending counts as having seen everything before; what they typed has now arrived
      chat.customerSeen = laterTime(chat.customerSeen, ev.created_at);
      if (chat.sneak) { chat.sneak = null; if (chat.id === state.openId) renderSneak(chat); }
      renderSeen(chat);
    }
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
    chat.queue = null;
    chat.sneak = null;
    if (state.typing.chatId === chat.id) forgetTyping();
    chatChanged(chat);
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
        loadCustomer(chat);
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
      const text = previewText(chat.lastMsg).replace(/\s+/g, ' ').trim();
      const mine = state.me && chat.lastMsg.author_id === state.me.id;
      preview = (mine ? 'You: ' : '') + (text || '…');
    }
    bottom.appendChild(make('span', 'ci-preview', preview));
    const holder = holderText(chat);
    if (holder) {
      const tag = make('span', 'ci-holder', holder);
      tag.dataset.testid = 'agent-chat-holder';
      bottom.appendChild(tag);
    }
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
    stopTyping();
    if (state.openId) state.drafts.set(state.openId, ui.input.value);
    const previous = state.chats.get(state.openId);
    state.openId = chatId;
    if (previous) renderListItem(previous);

    ui.noChat.hidden = true;
    ui.chatView.hidden = false;
    showComposerNote('');
    renderChatHead(chat);
    renderTranscript(chat);
    renderSneak(chat);
    renderPanel(chat);
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
    const holder = holderText(chat);
    if (holder) sub.push(holder);
    ui.chatSub.textContent = sub.join(' · ');
    ui.chatState.textContent = chat.active ? 'Active' : 'Ended';
    ui.chatState.dataset.active = chat.active ? 'true' : 'false';
    ui.endBtn.disabled = !chat.active || chat.ending;
    renderRating(chat);
    renderComposer();
  }

  function renderRating(chat) {
    const rating = chat.rating;
    const score = rating && (rating.score === 0 || rating.score === 1) ? rating.score : null;
    if (score === null) {
      ui.rating.hidden = true;
      ui.rating.replaceChildren();
      delete ui.rating.dataset.score;
      ui.rating.removeAttribute('title');
      return;
    }
    const comment = typeof rating.comment === 'string' ? rating.comment.trim() : '';
    const verdict = score === 1 ? 'good' : 'bad';
    const icon = make('span', 'rating-icon', score === 1 ? '👍' : '👎');
    icon.setAttribute('aria-hidden', 'true');
    const parts = [icon, make('span', 'visually-hidden', 'Visitor rated this chat ' + verdict + (comment ? ':' : '.'))];
    if (comment) parts.push(make('span', 'rating-comment', ' “' + comment + '”'));
    ui.rating.replaceChildren(...parts);
    ui.rating.dataset.score = String(score);
    ui.rating.title = 'Rated ' + verdict + (comment ? ': ' + comment : '');
    ui.rating.hidden = false;
  }

  function renderSneak(chat) {
    const peek = chat && chat.id === state.openId ? chat.sneak : null;
    // only the end of a long draft matters
    ui.sneakText.textContent = peek ? (peek.text.length > 300 ? '…' + peek.text.slice(-300) : peek.text) : '';
    ui.sneak.hidden = !peek;
  }

  function renderComposer() {
    const chat = state.chats.get(state.openId);
    const ended = !!chat && !chat.active;
    ui.input.disabled = ended;
    ui.sendBtn.disabled = ended;
    ui.sendCardBtn.disabled = ended;
    ui.transferBtn.disabled = ended;
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
    renderSeen(chat);
    ui.transcript.removeAttribute('aria-busy');
    scrollToBottom();
  }

  // Puts "Seen" under the newest agent message the visitor has seen.
  function renderSeen(chat) {
    if (!chat || chat.id !== state.openId) return;
    for (const old of ui.transcript.querySelectorAll('.msg-seen')) old.remove();
    const upTo = tsValue(chat.customerSeen);
    if (Number.isNaN(upTo)) return;
    let best = null;
    for (const item of chat.events.values()) {
      if (item.pending || !item.ev.id || !isListed(item.ev)) continue;
      if (item.sk > upTo || authorType(chat, item.ev) !== 'agent') continue;
      if (!best || item.sk > best.sk || (item.sk === best.sk && item.seq > best.seq)) best = item;
    }
    const node = best && state.msgNodes.get(best.key);
    if (!node) return;
    const seen = make('div', 'msg-seen', 'Seen');
    seen.dataset.testid = 'agent-seen';
    node.appendChild(seen);
  }

  // Rebuilds one transcript entry in place after its event changed.
  function rerenderItem(chat, item) {
    const old = state.msgNodes.get(item.key);
    if (!old) { placeMessage(chat, item, null); return; }
    const fresh = buildMessage(chat, item);
    if (!fresh) { old.remove(); state.msgNodes.delete(item.key); return; }
    old.replaceChildren(...Array.from(fresh.childNodes));
    copyMessageAttrs(fresh, old);
    renderSeen(chat);
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
    renderSeen(chat);
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
    if (node.parentNode !== ui.transcript || node.nextElementSibling !== before) ui.transcript.insertBefore(node, before);
    if (!item.pending) renderSeen(chat);
  }

  function copyMessageAttrs(from, to) {
    to.className = from.className;
    for (const key of Object.keys(to.dataset)) delete to.dataset[key];
    Object.assign(to.dataset, from.dataset);
  }

  function buildMessage(chat, item) {
    const ev = item.ev;
    const text = typeof ev.text === 'string' ? ev.text : '';
    const kind = ev.type;
    const known = kind === 'message' || kind === 'system_message' || kind === 'rich_message' || kind === 'filled_form' ||
      kind === 'file';
    if (!known && !text) return null;
    const author = item.pending ? 'agent' : authorType(chat, ev);

    const li = make('li', 'msg msg-' + author);
    if (kind === 'rich_message') li.classList.add('msg-rich');
    if (kind === 'filled_form') li.classList.add('msg-form');
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
    if (kind === 'rich_message') {
      li.appendChild(buildRich(chat, ev));
    } else if (kind === 'filled_form') {
      li.appendChild(make('div', 'msg-text msg-caption', formCaption(ev)));
      li.appendChild(buildFormAnswers(ev));
    } else if (kind === 'file') {
      li.appendChild(buildFile(ev));
    } else {
      li.appendChild(make('div', 'msg-text', text));
    }
    return li;
  }

  // A file a visitor sent: a thumbnail for images, otherwise a download link with its size.
  // Only this server's upload paths and http(s) addresses become links.
  function buildFile(ev) {
    const name = typeof ev.name === 'string' && ev.name ? ev.name : 'file';
    const raw = typeof ev.url === 'string' ? ev.url : '';
    const href = raw.startsWith('/') && !raw.startsWith('//') ? raw : httpUrl(raw, false);
    const wrap = make('div', 'msg-text msg-file');
    wrap.dataset.testid = 'agent-file';
    if (!href) {
      wrap.textContent = name;
      return wrap;
    }
    const link = make('a', 'msg-file-link');
    link.href = href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    if (typeof ev.content_type === 'string' && ev.content_type.startsWith('image/')) {
      const img = make('img', 'msg-file-image');
      img.alt = name;
      img.src = href;
      img.loading = 'lazy';
      link.appendChild(img);
    } else {
      const size = typeof ev.size === 'number' ? ' (' + Math.max(1, Math.round(ev.size / 1024)) + ' KB)' : '';
      link.textContent = name + size;
      link.download = name;
    }
    wrap.appendChild(link);
    return wrap;
  }

  // A rich message (cards or quick replies) as a card with its buttons. Buttons are shown,
  // not pressed from here: the ones a user chose are marked.
  function buildRich(chat, ev) {
    const quick = ev.template_id === 'quick_replies';
    const wrap = make('div', 'rm' + (quick ? ' rm-quick' : ''));
    wrap.dataset.testid = 'agent-rich-message';
    wrap.dataset.template = typeof ev.template_id === 'string' ? ev.template_id : '';
    const elements = Array.isArray(ev.elements) ? ev.elements.slice(0, 10) : [];
    for (const el of elements) {
      if (!el || typeof el !== 'object') continue;
      const card = make('div', 'rm-card');
      // https only: the page's policy blocks plain-http images
      const src = !quick && el.image && typeof el.image === 'object' ? httpUrl(el.image.url, true) : null;
      if (src) {
        const img = make('img', 'rm-image');
        img.alt = typeof el.image.alternative_text === 'string' ? el.image.alternative_text : '';
        img.loading = 'lazy';
        img.referrerPolicy = 'no-referrer';
        img.src = src;
        card.appendChild(img);
      }
      const body = make('div', 'rm-body');
      if (typeof el.title === 'string' && el.title) body.appendChild(make('div', 'rm-title', el.title));
      if (typeof el.subtitle === 'string' && el.subtitle) body.appendChild(make('div', 'rm-subtitle', el.subtitle));
      if (body.childNodes.length) card.appendChild(body);
      const buttons = Array.isArray(el.buttons) ? el.buttons.filter((b) => b && typeof b === 'object') : [];
      if (buttons.length) {
        const list = make('ul', 'rm-buttons');
        list.setAttribute('aria-label', 'Buttons');
        for (const button of buttons) list.appendChild(buildRichButton(chat, button));
        card.appendChild(list);
      }
      wrap.appendChild(card);
    }
    return wrap;
  }

  function buildRichButton(chat, button) {
    const li = make('li');
    const label = String(button.text || button.value || 'Button');
    const value = typeof button.value === 'string' ? button.value : '';
    let node = null;
    if (button.type === 'url' || button.type === 'webview') {
      const href = httpUrl(value);
      if (href) {
        node = make('a', 'rm-btn', label);
        node.href = href;
        node.target = '_blank';
        node.rel = 'noopener noreferrer';
      }
    }
    if (!node) node = make('span', 'rm-btn', label);
    if (button.type === 'phone' && value) node.appendChild(make('span', 'rm-kind', ' · ' + value));
    const users = Array.isArray(button.user_ids) ? button.user_ids.filter((id) => typeof id === 'string') : [];
    node.dataset.pressed = users.length ? 'true' : 'false';
    if (users.length) {
      const who = users.map((id) => {
        const customer = customerOf(chat);
        return customer && customer.id === id ? 'the visitor' : agentName(chat, id);
      });
      node.appendChild(make('span', 'visually-hidden', ' (chosen by ' + who.join(', ') + ')'));
    }
    li.appendChild(node);
    return li;
  }

  function formCaption(ev) {
    const id = typeof ev.form_id === 'string' ? ev.form_id : '';
    if (id.startsWith('prechat')) return 'Pre-chat form';
    if (id.startsWith('postchat')) return 'Post-chat form';
    if (id.startsWith('ticket')) return 'Ticket form';
    return 'Form';
  }

  function answerText(answer) {
    if (answer === null || answer === undefined) return '';
    if (typeof answer === 'string' || typeof answer === 'number' || typeof answer === 'boolean') return String(answer);
    if (Array.isArray(answer)) return answer.map(answerText).filter(Boolean).join(', ');
    if (typeof answer === 'object') return answerText(answer.label !== undefined ? answer.label : answer.value !== undefined ? answer.value : answer.id);
    return '';
  }

  function buildFormAnswers(ev) {
    const dl = make('dl', 'form-answers');
    const fields = Array.isArray(ev.fields) ? ev.fields : [];
    for (const field of fields) {
      if (!field || typeof field !== 'object' || field.type === 'header') continue;
      const answer = answerText(field.answers !== undefined ? field.answers : field.answer).trim();
      if (!answer) continue;
      const label = typeof field.label === 'string' && field.label.trim() ? field.label.trim() : String(field.name || field.id || 'Answer');
      dl.append(make('dt', null, label), make('dd', null, answer));
    }
    if (!dl.childNodes.length) dl.append(make('dt', null, 'Answers'), make('dd', null, 'none given'));
    return dl;
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
    stopTyping();

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
        chat.queue = null;
        chat.sneak = null;
        if (state.typing.chatId === chat.id) forgetTyping();
      })
      .catch((err) => {
        if (chat.id === state.openId) showComposerNote('Could not end the chat: ' + err.message);
      })
      .finally(() => {
        chat.ending = false;
        chatChanged(chat);
      });
  }

  function autoGrow() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 160) + 'px';
  }

  // ---------- visitor panel ----------

  async function loadCustomer(chat) {
    const customer = customerOf(chat);
    if (!customer || !state.online) return;
    const info = customerInfo(customer.id);
    try {
      const res = await request('get_customer', { customer_id: customer.id });
      info.name = res.name;
      info.email = res.email;
      info.sessionFields = Array.isArray(res.session_fields) ? res.session_fields : null;
      info.statistics = res.statistics && typeof res.statistics === 'object' ? res.statistics : null;
      const pages = res.last_visit && Array.isArray(res.last_visit.last_pages) ? res.last_visit.last_pages : [];
      const page = pages[0];
      if (page && typeof page.url === 'string' && page.url) {
        info.page = { url: page.url, title: typeof page.title === 'string' ? page.title : '' };
      }
      info.banned = res.banned === true;
      if (typeof res.present === 'boolean') info.present = res.present;
      info.verification = verificationOf(res.verification);
      info.loaded = true;
      info.error = '';
    } catch (err) {
      if (err.type === 'not_connected') return;
      info.error = err.message || 'request failed';
    }
    if (openCustomerId() === customer.id) renderPanel(state.chats.get(state.openId));
  }

  function addFact(dl, term, value) {
    const dd = make('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.append(make('dt', null, term), dd);
  }

  // What the site said about the visitor when asked who is logged in (`verification`, which
  // only agents get); anything malformed counts as no check.
  function verificationOf(raw) {
    if (!raw || typeof raw !== 'object' || (raw.status !== 'answered' && raw.status !== 'failed')) return null;
    return {
      status: raw.status,
      text: typeof raw.text === 'string' ? raw.text : '',
      checkedAt: typeof raw.checked_at === 'string' ? raw.checked_at : '',
    };
  }

  function newerVerification(a, b) {
    if (!a || !b) return a || b;
    return tsValue(b.checkedAt) > tsValue(a.checkedAt) ? b : a;
  }

  // "Verified by the site: …" or "Site check failed: …" and when. The site's words are
  // set as text, never as markup.
  function verificationNode(verification) {
    const answered = verification.status === 'answered';
    const wrap = make('span', 'verification');
    wrap.dataset.status = verification.status;
    wrap.dataset.testid = 'agent-verification';
    const line = make('span', 'verification-line');
    line.append(make('span', 'verification-label', answered ? 'Verified by the site:' : 'Site check failed:'));
    line.append(' ', make('span', 'verification-text', verification.text || (answered ? 'no details given' : 'no reason given')));
    wrap.append(line);
    const checked = toDate(verification.checkedAt);
    if (!Number.isNaN(checked.getTime())) {
      const time = make('time', 'verification-time', 'Checked ' + fullDate(verification.checkedAt));
      time.dateTime = checked.toISOString();
      wrap.append(time);
    }
    return wrap;
  }

  function pageLink(page) {
    const text = page.title && page.title.trim() ? page.title.trim() : page.url;
    const href = httpUrl(page.url);
    if (!href) return document.createTextNode(text);
    const a = make('a', 'page-link', text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.title = page.url;
    return a;
  }

  function renderPanel(chat) {
    if (!chat || chat.id !== state.openId) return;
    const user = customerOf(chat);
    const info = user ? customerInfo(user.id) : null;
    ui.facts.replaceChildren();
    ui.fields.replaceChildren();
    if (!user) {
      addFact(ui.facts, 'Visitor', 'Unknown');
      ui.fieldsTitle.hidden = true;
      ui.fields.hidden = true;
      ui.visitorNote.textContent = '';
      ui.inviteForm.hidden = true;
      ui.banBtn.disabled = true;
      return;
    }
    const pick = (a, b) => (typeof a === 'string' && a.trim() ? a.trim() : typeof b === 'string' && b.trim() ? b.trim() : '');
    addFact(ui.facts, 'Name', pick(info.name, user.name) || 'Not given');
    addFact(ui.facts, 'E-mail', pick(info.email, user.email) || 'Not given');
    addFact(ui.facts, 'Page', info.page ? pageLink(info.page) : 'Unknown');
    const present = info.banned ? false : typeof info.present === 'boolean' ? info.present : user.present;
    addFact(ui.facts, 'Status', info.banned ? 'Banned' : present === true ? 'On the site' : present === false ? 'Left the site' : 'Unknown');
    const verification = newerVerification(info.verification, verificationOf(user.verification));
    if (verification) addFact(ui.facts, 'Identity', verificationNode(verification));
    const stats = info.statistics;
    if (stats) {
      const count = (n) => (typeof n === 'number' ? String(n) : '–');
      addFact(ui.facts, 'Visits', count(stats.visits_count));
      // a visitor keeps one chat; each conversation in it is a thread
      addFact(ui.facts, 'Chats', count(stats.threads_count !== undefined ? stats.threads_count : stats.chats_count));
      if (typeof stats.page_views_count === 'number') addFact(ui.facts, 'Page views', count(stats.page_views_count));
    }

    const fields = Array.isArray(info.sessionFields) ? info.sessionFields : [];
    for (const field of fields) {
      if (!field || typeof field !== 'object') continue;
      for (const [key, value] of Object.entries(field)) addFact(ui.fields, key, answerText(value));
    }
    ui.fields.hidden = !ui.fields.childNodes.length;
    ui.fieldsTitle.hidden = ui.fields.hidden;
    ui.visitorNote.textContent = info.error ? 'Some visitor details could not be loaded: ' + info.error : '';

    // an ended chat can be reopened by inviting a visitor who is still on the site
    ui.inviteForm.hidden = chat.active || info.banned || present !== true;
    renderInviteNote(info);
    ui.banBtn.disabled = info.banned;
    ui.banBtn.textContent = info.banned ? 'Visitor banned' : 'Ban visitor';
  }

  function renderInviteNote(info) {
    ui.inviteNote.textContent = info.greeting ? info.greeting.text : '';
  }

  function sendInvite() {
    const chat = state.chats.get(state.openId);
    const customer = chat && customerOf(chat);
    if (!customer) return;
    const text = ui.inviteText.value.trim();
    const info = customerInfo(customer.id);
    if (!text) { ui.inviteNote.textContent = 'Write the invitation first.'; ui.inviteText.focus(); return; }
    const button = ui.inviteForm.querySelector('button');
    button.disabled = true;
    request('send_greeting', { customer_id: customer.id, text })
      .then((res) => {
        if (res.unique_id) state.greetings.set(res.unique_id, customer.id);
        info.greeting = { uniqueId: res.unique_id, text: 'Invitation shown to the visitor.' };
      })
      .catch((err) => {
        info.greeting = { uniqueId: null, text: 'Could not send the invitation: ' + err.message };
      })
      .finally(() => {
        button.disabled = false;
        if (openCustomerId() === customer.id) renderInviteNote(info);
      });
  }

  // ---------- typing indicator ----------

  function noteTyping() {
    const chat = state.chats.get(state.openId);
    if (!chat || !chat.active || !state.online) return;
    const typing = state.typing;
    if (typing.chatId && typing.chatId !== chat.id) stopTyping();
    typing.chatId = chat.id;
    if (!typing.on && !typing.startTimer) {
      const wait = typing.lastTrueAt + TYPING_THROTTLE_MS - Date.now();
      if (wait <= 0) startTyping();
      else typing.startTimer = setTimeout(startTyping, wait);
    }
    clearTimeout(typing.stopTimer);
    typing.stopTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function startTyping() {
    const typing = state.typing;
    clearTimeout(typing.startTimer);
    typing.startTimer = 0;
    if (!typing.chatId) return;
    typing.on = true;
    typing.lastTrueAt = Date.now();
    sendTyping(typing.chatId, true);
  }

  // Tells the visitor the agent stopped typing (if we had said otherwise).
  function stopTyping() {
    const typing = state.typing;
    const wasOn = typing.on;
    const chatId = typing.chatId;
    forgetTyping();
    if (wasOn && chatId) sendTyping(chatId, false);
  }

  // Drops the typing state without telling anyone (chat ended, connection gone).
  function forgetTyping() {
    const typing = state.typing;
    clearTimeout(typing.stopTimer);
    clearTimeout(typing.startTimer);
    typing.stopTimer = 0;
    typing.startTimer = 0;
    typing.on = false;
    typing.chatId = null;
  }

  function sendTyping(chatId, isTyping) {
    if (!state.online) return;
    // best effort: a lost indicator only means a stale "typing…" for a moment
    request('send_typing_indicator', { chat_id: chatId, is_typing: isTyping }).catch(() => {});
  }

  // ---------- presence ----------

  function renderPresence() {
    ui.presence.setAttribute('aria-pressed', state.accepting ? 'true' : 'false');
    ui.presence.title = state.accepting
      ? 'New chats are routed to you. Press to stop taking new chats.'
      : 'You get no new chats; your open chats stay. Press to take new chats again.';
  }

  function setAccepting(accepting) {
    state.accepting = accepting;
    storageSet(sessionStorage, ACCEPTING_KEY, accepting ? '1' : '0');
    renderPresence();
  }

  // Sends the wanted routing status; on failure, optionally flips the switch back.
  function pushPresence(revertOnError) {
    if (!state.online) return;
    const want = state.accepting;
    state.presenceSeq += 1;
    const seq = state.presenceSeq;
    ui.presence.setAttribute('aria-busy', 'true');
    request('set_routing_status', { status: want ? 'accepting_chats' : 'not_accepting_chats' })
      .catch((err) => {
        // a lost connection is fine: the next sign-in sends the status again
        if (seq !== state.presenceSeq || err.type === 'not_connected') return;
        if (revertOnError) setAccepting(!want);
        setStatus('online', 'Online — could not change availability: ' + err.message);
      })
      .finally(() => {
        if (seq === state.presenceSeq) ui.presence.removeAttribute('aria-busy');
      });
  }

  function togglePresence() {
    setAccepting(!state.accepting);
    pushPresence(true);
  }

  // ---------- dialogs ----------

  function openDialog(dialog, opener, focusTarget) {
    if (dialog.open) return;
    state.dialogReturn.set(dialog, opener || document.activeElement);
    dialog.showModal();
    if (focusTarget) focusTarget.focus();
  }

  function closeDialog(dialog) {
    if (dialog.open) dialog.close();
  }

  // After a dialog closes, focus goes back to what opened it, or somewhere sensible.
  function restoreFocus(dialog) {
    const back = state.dialogReturn.get(dialog);
    state.dialogReturn.delete(dialog);
    const usable = (el) => el && el.isConnected && !el.disabled && !el.closest('[hidden]');
    if (usable(back)) { back.focus(); return; }
    if (usable(ui.input)) ui.input.focus();
    else if (!ui.chatView.hidden) ui.transcript.focus();
  }

  function closeAllDialogs() {
    for (const dialog of [ui.cardDialog, ui.transferDialog, ui.banDialog]) closeDialog(dialog);
  }

  function setBusy(dialog, submit, busy) {
    if (busy) state.busy.add(dialog); else state.busy.delete(dialog);
    // aria-disabled rather than disabled: a disabled button would drop the keyboard focus
    if (busy) submit.setAttribute('aria-disabled', 'true'); else submit.removeAttribute('aria-disabled');
    dialog.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function markInvalid(input, bad) {
    if (bad) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }

  // ---------- card dialog ----------

  const BUTTON_TYPES = [['message', 'Message'], ['url', 'Link'], ['phone', 'Phone']];

  function cardTemplate() {
    const checked = ui.cardForm.querySelector('input[name="template"]:checked');
    return checked ? checked.value : 'cards';
  }

  function labelled(text, control, index) {
    const label = make('label');
    const caption = make('span');
    caption.append(make('span', 'visually-hidden', 'Button ' + (index + 1) + ' '), document.createTextNode(text));
    label.append(caption, control);
    return label;
  }

  function addButtonRow() {
    if (ui.cardRows.children.length >= MAX_CARD_BUTTONS) return;
    const li = make('li', 'button-row');
    const type = make('select', 'btn-type');
    for (const [value, text] of BUTTON_TYPES) {
      const option = make('option', null, text);
      option.value = value;
      type.appendChild(option);
    }
    const text = make('input', 'btn-text');
    text.type = 'text';
    text.maxLength = 100;
    text.autocomplete = 'off';
    const value = make('input', 'btn-value');
    value.type = 'text';
    value.maxLength = 2000;
    value.autocomplete = 'off';
    const remove = make('button', 'btn btn-quiet btn-small', 'Remove');
    remove.type = 'button';
    remove.addEventListener('click', () => {
      const rows = Array.from(ui.cardRows.children);
      const at = rows.indexOf(li);
      li.remove();
      reindexButtonRows();
      // keep focus in the list: on the row that took this one's place, or the one before
      const next = ui.cardRows.children[Math.min(at, ui.cardRows.children.length - 1)];
      if (next) next.querySelector('.btn-text').focus();
    });
    type.addEventListener('change', () => updateValueHint(li));
    li.append(labelled('Type', type, 0), labelled('Text', text, 0), labelled('Value', value, 0), remove);
    ui.cardRows.appendChild(li);
    reindexButtonRows();
    return li;
  }

  function updateValueHint(li) {
    const type = li.querySelector('.btn-type').value;
    const value = li.querySelector('.btn-value');
    value.placeholder = type === 'url' ? 'https://…' : type === 'phone' ? '+1 555 0100' : 'Reply (same as text if empty)';
    value.type = type === 'url' ? 'url' : type === 'phone' ? 'tel' : 'text';
  }

  // Row numbers show up in labels and test ids, so renumber after every change.
  function reindexButtonRows() {
    const rows = Array.from(ui.cardRows.children);
    const quick = cardTemplate() === 'quick_replies';
    rows.forEach((li, i) => {
      const type = li.querySelector('.btn-type');
      const text = li.querySelector('.btn-text');
      const value = li.querySelector('.btn-value');
      for (const hidden of li.querySelectorAll('label > span > .visually-hidden')) hidden.textContent = 'Button ' + (i + 1) + ' ';
      type.dataset.testid = 'agent-card-button-type-' + i;
      text.dataset.testid = 'agent-card-button-text-' + i;
      value.dataset.testid = 'agent-card-button-value-' + i;
      // quick replies can only send a reply
      if (quick) type.value = 'message';
      type.disabled = quick;
      const remove = li.querySelector('button');
      remove.setAttribute('aria-label', 'Remove button ' + (i + 1));
      remove.disabled = rows.length <= 1;
      updateValueHint(li);
    });
    ui.cardAdd.disabled = rows.length >= MAX_CARD_BUTTONS;
  }

  function resetCardForm() {
    ui.cardForm.reset();
    ui.cardRows.replaceChildren();
    addButtonRow();
    for (const input of ui.cardForm.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    applyTemplate();
  }

  function applyTemplate() {
    ui.cardExtra.hidden = cardTemplate() === 'quick_replies';
    reindexButtonRows();
  }

  function openCardDialog() {
    const chat = state.chats.get(state.openId);
    if (!chat || !chat.active) return;
    if (!ui.cardRows.children.length) resetCardForm();
    ui.cardError.textContent = '';
    openDialog(ui.cardDialog, ui.sendCardBtn, ui.cardTitle);
  }

  // Reads and checks the form; returns the event to send, or null after pointing at the problem.
  function readCard() {
    for (const input of ui.cardForm.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    const fail = (input, message) => {
      markInvalid(input, true);
      ui.cardError.textContent = message;
      input.focus();
      return null;
    };
    const quick = cardTemplate() === 'quick_replies';
    const title = ui.cardTitle.value.trim();
    if (!title) return fail(ui.cardTitle, 'Give the card a title.');
    const element = { title };
    if (!quick) {
      const subtitle = ui.cardSubtitle.value.trim();
      if (subtitle) element.subtitle = subtitle;
      const rawImage = ui.cardImage.value.trim();
      if (rawImage) {
        const image = httpUrl(rawImage, true);
        if (!image) return fail(ui.cardImage, 'The image address must start with https://.');
        element.image = { url: image };
      }
    }
    const buttons = [];
    for (const [i, li] of Array.from(ui.cardRows.children).entries()) {
      const type = quick ? 'message' : li.querySelector('.btn-type').value;
      const textInput = li.querySelector('.btn-text');
      const valueInput = li.querySelector('.btn-value');
      const text = textInput.value.trim();
      let value = valueInput.value.trim();
      if (!text) return fail(textInput, 'Button ' + (i + 1) + ' needs a text.');
      if (type === 'message' && !value) value = text;
      if (type === 'url') {
        value = httpUrl(value);
        if (!value) return fail(valueInput, 'Button ' + (i + 1) + ' needs a link starting with https:// or http://.');
      }
      if (type === 'phone' && !/^\+?[0-9][0-9 ()./-]{2,30}$/.test(value)) {
        return fail(valueInput, 'Button ' + (i + 1) + ' needs a phone number.');
      }
      // every button gets its own postback id, so presses can be told apart
      buttons.push({ type, text, value, postback_id: nextId('pb'), user_ids: [] });
    }
    if (!buttons.length) { ui.cardError.textContent = 'Add at least one button.'; ui.cardAdd.focus(); return null; }
    element.buttons = buttons;
    ui.cardError.textContent = '';
    return { type: 'rich_message', template_id: quick ? 'quick_replies' : 'cards', elements: [element], custom_id: nextId('rich') };
  }

  function submitCard() {
    if (state.busy.has(ui.cardDialog)) return;
    const chat = state.chats.get(state.openId);
    if (!chat) return;
    if (!chat.active) { ui.cardError.textContent = 'This chat has ended.'; return; }
    const event = readCard();
    if (!event) return;
    setBusy(ui.cardDialog, ui.cardSubmit, true);
    request('send_event', { chat_id: chat.id, event })
      .then(() => {
        resetCardForm();
        closeDialog(ui.cardDialog);
      })
      .catch((err) => {
        const message = 'Could not send the card: ' + err.message;
        if (ui.cardDialog.open) ui.cardError.textContent = message;
        else if (chat.id === state.openId) showComposerNote(message);
      })
      .finally(() => setBusy(ui.cardDialog, ui.cardSubmit, false));
  }

  // ---------- transfer dialog ----------

  // Agents we know of: everyone who appeared in a chat, except us.
  function knownAgents() {
    const agents = new Map();
    for (const chat of state.chats.values()) {
      for (const user of chat.users) {
        if (!user || user.type !== 'agent' || !user.id) continue;
        if (state.me && user.id === state.me.id) continue;
        if (!agents.has(user.id)) agents.set(user.id, user.name || user.id);
      }
    }
    return Array.from(agents, ([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  }

  function openTransferDialog() {
    const chat = state.chats.get(state.openId);
    if (!chat || !chat.active) return;
    ui.transferAgents.replaceChildren();
    knownAgents().forEach((agent, i) => {
      const label = make('label');
      const radio = make('input');
      radio.type = 'radio';
      radio.name = 'target';
      radio.value = 'agent:' + agent.id;
      radio.dataset.testid = 'agent-transfer-agent-' + i;
      const text = agent.name === agent.id ? agent.id : agent.name + ' (' + agent.id + ')';
      label.append(radio, document.createTextNode(' ' + text));
      ui.transferAgents.appendChild(label);
    });
    for (const radio of ui.transferForm.querySelectorAll('input[name="target"]')) radio.checked = false;
    ui.transferAgentId.value = '';
    markInvalid(ui.transferAgentId, false);
    ui.transferError.textContent = '';
    const first = ui.transferForm.querySelector('input[name="target"]');
    openDialog(ui.transferDialog, ui.transferBtn, first);
  }

  function transferTarget() {
    const checked = ui.transferForm.querySelector('input[name="target"]:checked');
    if (!checked) return { error: 'Choose an agent or a group.', focus: ui.transferForm.querySelector('input[name="target"]') };
    const value = checked.value;
    if (value === 'other') {
      const id = ui.transferAgentId.value.trim();
      if (!id) return { error: 'Type the id of the agent.', focus: ui.transferAgentId, invalid: ui.transferAgentId };
      return { target: { type: 'agent', ids: [id] }, label: id };
    }
    if (value.startsWith('agent:')) {
      const id = value.slice(6);
      return { target: { type: 'agent', ids: [id] }, label: id };
    }
    const groupId = Number(value.slice(6));
    const group = TRANSFER_GROUPS.find((g) => g.id === groupId);
    return { target: { type: 'group', ids: [groupId] }, label: group ? group.name : 'group ' + groupId };
  }

  function submitTransfer() {
    if (state.busy.has(ui.transferDialog)) return;
    const chat = state.chats.get(state.openId);
    if (!chat) return;
    markInvalid(ui.transferAgentId, false);
    const choice = transferTarget();
    if (choice.error) {
      ui.transferError.textContent = choice.error;
      if (choice.invalid) markInvalid(choice.invalid, true);
      if (choice.focus) choice.focus.focus();
      return;
    }
    ui.transferError.textContent = '';
    setBusy(ui.transferDialog, ui.transferSubmit, true);
    // A group or agent with no room right now still takes the chat: it waits in their queue.
    request('transfer_chat', { id: chat.id, target: choice.target, ignore_agents_availability: true })
      .then(() => closeDialog(ui.transferDialog))
      .catch((err) => {
        const message = 'Could not transfer to ' + choice.label + ': ' + err.message;
        if (ui.transferDialog.open) ui.transferError.textContent = message;
        else if (chat.id === state.openId) showComposerNote(message);
      })
      .finally(() => setBusy(ui.transferDialog, ui.transferSubmit, false));
  }

  // ---------- ban ----------

  function openBanDialog() {
    const chat = state.chats.get(state.openId);
    if (!chat || !customerOf(chat)) return;
    ui.banError.textContent = '';
    // the safe choice gets focus first
    openDialog(ui.banDialog, ui.banBtn, ui.banCancel);
  }

  function submitBan() {
    if (state.busy.has(ui.banDialog)) return;
    const chat = state.chats.get(state.openId);
    const customer = chat && customerOf(chat);
    if (!customer) { closeDialog(ui.banDialog); return; }
    setBusy(ui.banDialog, ui.banConfirm, true);
    request('ban_customer', { id: customer.id })
      .then(() => {
        const info = customerInfo(customer.id);
        info.banned = true;
        info.present = false;
        customer.present = false;
        closeDialog(ui.banDialog);
        if (openCustomerId() === customer.id) chatChanged(state.chats.get(state.openId));
      })
      .catch((err) => {
        const message = 'Could not ban the visitor: ' + err.message;
        if (ui.banDialog.open) ui.banError.textContent = message;
        else if (chat.id === state.openId) showComposerNote(message);
      })
      .finally(() => setBusy(ui.banDialog, ui.banConfirm, false));
  }

  // ---------- session ----------

  function startSession() {
    ui.loginView.hidden = true;
    ui.app.hidden = false;
    ui.logout.hidden = false;
    ui.presence.hidden = false;
    renderPresence();
    state.attempt = 0;
    connect();
  }

  function resetChats() {
    closeAllDialogs();
    forgetTyping();
    state.customers.clear();
    state.greetings.clear();
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
    ui.presence.hidden = true;
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

  ui.input.addEventListener('input', () => {
    autoGrow();
    noteTyping();
  });
  ui.endBtn.addEventListener('click', endChat);
  ui.presence.addEventListener('click', togglePresence);
  ui.sendCardBtn.addEventListener('click', openCardDialog);
  ui.transferBtn.addEventListener('click', openTransferDialog);
  ui.banBtn.addEventListener('click', openBanDialog);

  ui.inviteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    sendInvite();
  });

  ui.cardForm.addEventListener('submit', (e) => {
    e.preventDefault();
    submitCard();
  });
  ui.cardAdd.addEventListener('click', () => {
    const row = addButtonRow();
    if (row) row.querySelector('.btn-text').focus();
  });
  for (const radio of ui.cardForm.querySelectorAll('input[name="template"]')) radio.addEventListener('change', applyTemplate);
  ui.cardCancel.addEventListener('click', () => closeDialog(ui.cardDialog));

  ui.transferForm.addEventListener('submit', (e) => {
    e.preventDefault();
    submitTransfer();
  });
  // typing an id means "this agent" (focus alone does not: tabbing past must keep the choice)
  ui.transferAgentId.addEventListener('input', () => { ui.transferOther.checked = !!ui.transferAgentId.value.trim() || ui.transferOther.checked; });
  ui.transferCancel.addEventListener('click', () => closeDialog(ui.transferDialog));

  ui.banForm.addEventListener('submit', (e) => {
    e.preventDefault();
    submitBan();
  });
  ui.banCancel.addEventListener('click', () => closeDialog(ui.banDialog));

  for (const dialog of [ui.cardDialog, ui.transferDialog, ui.banDialog]) {
    dialog.addEventListener('close', () => restoreFocus(dialog));
  }

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
  state.accepting = storageGet(sessionStorage, ACCEPTING_KEY) !== '0';
  renderPresence();
  resetCardForm();
  const fromUrl = takeTokenFromUrl();
  if (fromUrl) storageSet(sessionStorage, TOKEN_KEY, fromUrl);
  state.token = fromUrl || storageGet(sessionStorage, TOKEN_KEY);
  if (state.token) startSession();
  else signOut('');
})();
