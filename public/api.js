/* Live chat host-page API, loaded by embed.js from the chat server right after it paints
 * the bubble. It replaces the loader's queued stand-ins with the real methods, then runs
 * the calls queued so far, in order:
 *   livechat.embed.{init, options, status, stop, flip, bubble, reload, switch_side, page}
 *   livechat.popup.{init, status, stop, close}
 *   livechat.on / once / off, livechat.get(name), livechat.call(command, ...args)
 * It validates options (one console error per bad option, naming it and what it accepts;
 * the widget runs with the rest), loads the widget iframe on intent, idle or an open page
 * state, and talks to it over a MessagePort handed over once, to the server's exact origin.
 * Messages are plain objects (structured clone), so nothing here needs the page's JSON.
 * The page may have patched built-ins: this file uses the ones embed.js kept, plain loops
 * instead of array methods, and no Function.prototype call/apply/bind. */
(function (w, d) {
  "use strict";
  var lc = w.livechat;
  var I = lc && lc._;
  if (!I || I.api) return;
  I.api = 1;
  var R = I.R;
  var con = I.C;
  var later = I.T;
  var isArray = I.A;
  var enc = I.X;
  var origin = I.o;
  var PREFIX = "livechat: ";
  var OPEN_FLAG = "livechat.open";
  var CHAT_FLAG = "livechat.chat";

  var SIDES = ["left", "right"];
  var PAGES = ["start-online", "online", "start-offline", "offline", "hidden", "mini"];
  var PAGE_STATES = ["start-online", "online", "start-offline", "offline", "hidden", "mini", "chat"];
  var PAGE_PARAMS = ["message", "departments", "operators", "department_name", "operator_name", "operator_photo"];
  var MODES = ["custom", "bubble"];
  var BTYPES = ["right1", "right2", "right3", "left1", "left2", "left3"];
  var CALLBACKS = [
    "onload", "onchange", "onchatstart", "onchatopened", "onchatrating", "onofflinemessage",
    "ontrigger", "onnamerequired", "onemailrequired", "onphonerequired",
  ];
  var EVENTS = [
    "load", "change", "chatstart", "chatopened", "chatrating", "offlinemessage", "trigger",
    "namerequired", "emailrequired", "phonerequired", "ready", "visibility_changed",
    "availability_changed", "customer_status_changed", "page_changed",
  ];
  var COMMANDS = [
    "maximize", "minimize", "hide", "destroy", "hide_greeting", "set_customer_name",
    "set_customer_email", "set_session_variables", "update_session_variables",
  ];
  var GETTERS = ["state", "customer_data", "chat_data"];

  // ---- small helpers that avoid the page's (possibly patched) prototypes ----

  function own(object, key) {
    return R(I.H, object, [key]);
  }
  function among(value, list) {
    for (var i = 0; i < list.length; i++) if (list[i] === value) return true;
    return false;
  }
  function words(list) {
    var text = "";
    for (var i = 0; i < list.length; i++) text += (i ? (i == list.length - 1 ? " or " : ", ") : "") + '"' + list[i] + '"';
    return text;
  }
  function shown(value) {
    if (typeof value == "string") return '"' + value + '"';
    if (value === null) return "null";
    if (isArray(value)) return "an array";
    if (typeof value == "object") return "an object";
    if (typeof value == "function") return "a function";
    return String(value);
  }
  function invoke(fn, data) {
    // A throwing host callback must not break the widget; report it as the page's error.
    try {
      fn(data);
    } catch (error) {
      later(function () {
        throw error;
      });
    }
  }
  function storage(kind, key, value) {
    try {
      var store = w[kind];
      if (value === undefined) return store.getItem(key);
      value ? store.setItem(key, "1") : store.removeItem(key);
    } catch (e) {}
  }
  // The visitor's identity, kept for the widget in this site's own storage: the widget's
  // frame is a third party here, whose storage the browser may partition or block.
  var KEPT = "livechat.identity.";
  function kept() {
    var found = {};
    try {
      var store = w.localStorage;
      for (var i = 0; i < store.length; i++) {
        var key = store.key(i);
        if (key && key.indexOf(KEPT) == 0) found[key] = store.getItem(key);
      }
    } catch (e) {}
    return found;
  }
  function keep(message) {
    var key = message.key, value = message.value;
    if (typeof key != "string" || key.indexOf(KEPT) || typeof value != "string" || value.length > 512) return;
    try {
      w.localStorage.setItem(key, value);
    } catch (e) {}
  }
  function idle(fn) {
    w.requestIdleCallback ? w.requestIdleCallback(fn, { timeout: 3000 }) : later(fn, 200);
  }
  function setAttr(element, name, value) {
    value == null ? element.removeAttribute(name) : element.setAttribute(name, value);
  }
  function detach(element) {
    if (element && element.parentNode) element.parentNode.removeChild(element);
  }
  function glob(pattern, text) {
    // `*` matches any run of characters; everything else matches itself.
    var p = 0, t = 0, star = -1, mark = 0;
    while (t < text.length) {
      if (p < pattern.length && pattern[p] == "*") {
        star = p++;
        mark = t;
      } else if (p < pattern.length && pattern[p] == text[t]) {
        p++;
        t++;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else return false;
    }
    while (p < pattern.length && pattern[p] == "*") p++;
    return p == pattern.length;
  }

  // ---- options ----

  function isText(value) {
    return typeof value == "string";
  }
  function isFilled(value) {
    return typeof value == "string" && /\S/.test(value);
  }
  function isFlag(value) {
    return typeof value == "boolean";
  }
  function isFunction(value) {
    return typeof value == "function";
  }
  function oneOf(list) {
    return function (value) {
      return among(value, list);
    };
  }
  function isAccount(value) {
    return isFilled(value) || (typeof value == "number" && value > 0 && value % 1 == 0);
  }
  function isLang(value) {
    return typeof value == "string" && /^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(value);
  }
  function isEmail(value) {
    return typeof value == "string" && (value == "" || /^[^\s@]+@[^\s@]+$/.test(value));
  }
  function isUrl(value) {
    if (typeof value != "string") return false;
    try {
      var url = new I.U(value, location.href);
      return url.protocol == "https:" || url.protocol == "http:";
    } catch (e) {
      return false;
    }
  }
  function isIds(value) {
    if (typeof value == "string") return /^\s*(\d+\s*(,\s*\d+\s*)*)?$/.test(value);
    if (!isArray(value)) return false;
    for (var i = 0; i < value.length; i++) if (!(typeof value[i] == "number" && value[i] >= 0 && value[i] % 1 == 0)) return false;
    return true;
  }
  function isIdOrName(item) {
    return typeof item == "string" ? !!item.trim() : typeof item == "number" && item >= 0 && item % 1 == 0;
  }
  /** Agent ids ("anna@example.com,8") or department names and ids (clone_operators). */
  function isNames(value) {
    if (typeof value == "string") return true;
    if (!isArray(value)) return false;
    for (var i = 0; i < value.length; i++) if (!isIdOrName(value[i])) return false;
    return true;
  }
  function isCloneOperators(value) {
    if (!value || typeof value != "object" || isArray(value)) return false;
    for (var name in value) if (own(value, name) && !(isArray(value[name]) && isNames(value[name]))) return false;
    return true;
  }
  function isTarget(value) {
    if (typeof value == "string") return true;
    if (!isArray(value)) return false;
    for (var i = 0; i < value.length; i++) if (typeof value[i] != "string") return false;
    return true;
  }
  function isContainer(value) {
    if (typeof value == "string") {
      try {
        return !!d.querySelector(value);
      } catch (e) {
        return false;
      }
    }
    return !!value && value.nodeType == 1;
  }
  function isVariables(value) {
    if (!value || typeof value != "object" || isArray(value)) return false;
    for (var key in value) if (own(value, key) && typeof value[key] != "string") return false;
    return true;
  }

  // name: [check, what it accepts, 1 = embed only / 2 = popup only]
  var OPTIONS = {
    account: [isAccount, "a license number or an organization id"],
    title: [isFilled, "a non-empty string"],
    lang: [isLang, 'a language code such as "en" or "pt-BR"'],
    side: [oneOf(SIDES), words(SIDES)],
    session_per_host: [isFlag, "true or false"],
    bubble: [isFlag, "true or false"],
    page: [oneOf(PAGES), words(PAGES)],
    css_text: [isText, "a string of CSS"],
    css_file: [isUrl, "an http(s) URL of a stylesheet"],
    mobile: [isFlag, "true or false"],
    theme: [oneOf(["light", "dark", "auto"]), '"light", "dark" or "auto"'],
    rating: [oneOf(["thumbs", "stars"]), '"thumbs" or "stars"'],
    sound: [isFlag, "true or false"],
    c_name: [isText, "a string"],
    c_name_byop: [isText, "a string"],
    c_email: [isEmail, "an email address or an empty string"],
    c_phone: [isText, "a string"],
    url_contact: [isUrl, "an http(s) URL"],
    url_faq: [isUrl, "an http(s) URL"],
    url_privacy: [isUrl, "an http(s) URL"],
    custom: [isText, "a string"],
    departments: [isIds, 'a comma-separated list of ids such as "2,5"'],
    operators: [isNames, 'a comma-separated list of agent ids such as "anna@example.com,bob@example.com"'],
    clone_operators: [isCloneOperators, 'an object of agent names to department names or ids, such as {"Anna": ["Returns", 2]}'],
    target: [isTarget, "a URL (with * wildcards) or an array of them"],
    identity_provider: [isFunction, "a function returning (a promise of) {access_token}", 1],
    container: [isContainer, "an element or a CSS selector that matches one", 1],
    mode: [oneOf(MODES), words(MODES), 2],
    btype: [oneOf(BTYPES), words(BTYPES), 2],
  };
  for (var c = 0; c < CALLBACKS.length; c++) OPTIONS[CALLBACKS[c]] = [isFunction, "a function"];

  /** The options that pass their check; one console message per one that does not. */
  function validate(input, kind) {
    var out = {};
    var where = kind == 1 ? "embed" : "popup";
    if (input != null && typeof input != "object") con.error(PREFIX + where + ".init takes an options object, not " + shown(input));
    if (input == null || typeof input != "object") input = {};
    for (var key in input) {
      if (!own(input, key)) continue;
      var value = input[key];
      var rule = own(OPTIONS, key) ? OPTIONS[key] : null;
      if (!rule || (rule[2] && rule[2] != kind)) {
        con.warn(PREFIX + "unknown option `" + key + "` is ignored" + (rule ? " by " + where + ".init" : ""));
        continue;
      }
      if (value == null) continue;
      if (!rule[0](value)) {
        con.error(PREFIX + "option `" + key + "` must be " + rule[1] + ", not " + shown(value) + "; it is ignored");
        continue;
      }
      out[key] = value;
    }
    if (out.account == null) {
      con.error(PREFIX + "option `account` is required: " + OPTIONS.account[1]);
      return null;
    }
    return out;
  }

  /** Whether this page is one of the `target` (goal) pages. */
  function goal(options) {
    var targets = options.target;
    if (targets == null) return false;
    if (!isArray(targets)) targets = [targets];
    for (var i = 0; i < targets.length; i++) if (glob(targets[i], location.href)) return true;
    return false;
  }

  var LINKS = ["css_file", "url_contact", "url_faq", "url_privacy"];

  /** What the widget receives: data options only (no callbacks, no elements), plus the page. */
  function wire(options) {
    var out = {};
    for (var key in options) {
      if (own(options, key) && key != "container" && typeof options[key] != "function") out[key] = options[key];
    }
    // Links may be relative to this page; the widget lives elsewhere.
    for (var i = 0; i < LINKS.length; i++) if (out[LINKS[i]]) out[LINKS[i]] = new I.U(out[LINKS[i]], location.href).href;
    if (customer.name != null) out.c_name = customer.name;
    if (customer.email != null) out.c_email = customer.email;
    if (customer.vars) out.session_variables = customer.vars;
    out.page_info = { url: location.href, title: d.title };
    // The function stays here; the widget asks for each token over the port.
    if (options.identity_provider) out.identity_provider = true;
    out.goal = goal(options);
    return out;
  }

  // ---- events ----

  var listeners = {};

  function listen(name, fn, once) {
    if (typeof name != "string" || typeof fn != "function") {
      con.error(PREFIX + "livechat.on(name, callback) takes an event name and a function");
      return function () {};
    }
    if (!among(name, EVENTS)) con.warn(PREFIX + "unknown event `" + name + "`; events are " + words(EVENTS));
    var list = own(listeners, name) ? listeners[name] : (listeners[name] = []);
    var entry = [fn, once];
    list[list.length] = entry;
    return function () {
      remove(name, function (candidate) {
        return candidate === entry;
      });
    };
  }
  function remove(name, match) {
    if (!own(listeners, name)) return;
    var kept = [];
    var list = listeners[name];
    for (var i = 0; i < list.length; i++) if (!match(list[i])) kept[kept.length] = list[i];
    listeners[name] = kept;
  }
  function off(name, fn) {
    if (typeof name != "string") return;
    remove(name, function (entry) {
      return fn == null || entry[0] === fn;
    });
  }
  /** Calls the option callback `on<name>` of `options` and every listener of `name`. */
  function emit(name, data, options) {
    options = options || opts;
    var callback = options && options["on" + name];
    if (callback) invoke(callback, data);
    if (!own(listeners, name)) return;
    var list = listeners[name];
    remove(name, function (entry) {
      return entry[1];
    });
    for (var i = 0; i < list.length; i++) invoke(list[i][0], data);
  }

  // ---- the embedded chat ----

  var FRAME_CSS =
    ":host([hidden]){display:none!important}" +
    ":host([data-inline]){position:relative!important;inset:auto!important;display:block!important;width:100%!important;height:100%!important;z-index:auto!important}" +
    "iframe{position:fixed;right:20px;bottom:92px;width:376px;height:min(600px,calc(100vh - 112px));border:0;" +
    "border-radius:14px;box-shadow:0 8px 40px rgba(0,0,0,.25);background:#fff;color-scheme:normal}" +
    "button[hidden]~iframe{bottom:20px;height:min(600px,calc(100vh - 40px))}" +
    ":host([data-side=left]) iframe{right:auto;left:20px}" +
    ":host([data-size=max]) iframe{width:min(720px,calc(100vw - 40px));height:calc(100vh - 112px)}" +
    "iframe[hidden]{display:none}" +
    ":host([data-inline]) iframe{position:static;display:block;width:100%;height:100%;border-radius:inherit;box-shadow:none}" +
    "@media (max-width:480px){:host(:not([data-mobile=off]):not([data-inline])) iframe{inset:0;width:100%;height:100%;border-radius:0}}" +
    ":host([data-mobile=on]:not([data-inline])) iframe{inset:0;width:100%;height:100%;border-radius:0}";
  var ICON_CHAT = '<path d="M4 4h16v12H8l-4 4z" fill="currentColor"/>';
  var ICON_CLOSE = '<path d="M6 6l12 12M18 6 6 18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/>';
  var frameSheet;

  var opts = null; // the running embed's options, null when not running
  var everStarted = false;
  var f = null; // the bubble's elements: h host, r shadow root, b button, i icon, n badge, s sheet
  var frame = null;
  var port = null;
  var ready = false;
  var open = false;
  var hidden = false; // hidden by call("hide")
  var bubbleOn = true;
  var page = "start-online";
  var autoOffline = false;
  var side = "right";
  var snapshot = {};
  var pending = {};
  var waiting = [];
  var nextId = 0;
  var customer = {};

  function send(message) {
    if (port) port.postMessage(message);
  }

  function render() {
    if (!f) return;
    var unread = snapshot.unread || 0;
    setAttr(f.h, "data-side", side == "left" ? "left" : null);
    f.h.hidden = hidden;
    f.b.hidden = !bubbleOn || !!opts.container || (page == "hidden" && !unread);
    f.b.setAttribute("aria-expanded", String(open));
    f.b.setAttribute("aria-label", (open ? "Close chat" : "Open chat") + (unread > 0 ? ", " + unread + " unread" : ""));
    // Static markup only: never data from the page or the network.
    f.i.innerHTML = open ? ICON_CLOSE : ICON_CHAT;
    f.n.textContent = unread > 0 ? String(unread) : "";
    if (frame) frame.hidden = !open;
  }

  function visibility() {
    return !opts || hidden ? "hidden" : open ? "maximized" : "minimized";
  }

  function setOpen(value, fromWidget) {
    if (!opts) return;
    value = !!value;
    if (value) {
      hidden = false;
      load();
    }
    if (value == open) return render();
    open = value;
    storage("sessionStorage", OPEN_FLAG, value);
    if (!fromWidget) send({ type: value ? "open" : "close" });
    if (value && !ready) f.b.setAttribute("aria-busy", "true");
    render();
    if (!value) setAttr(f.h, "data-size", null);
    emit("change", { chat_status: value ? "res" : "min", ticket: snapshot.chat_id || null });
    emit("visibility_changed", { visibility: visibility() });
  }

  function load() {
    if (frame || !opts) return;
    frame = d.createElement("iframe");
    frame.title = opts.title || "Chat window";
    frame.hidden = !open;
    // `account` lets the server check this site against the license's allowed sites.
    frame.src = origin + "/widget/?host=" + enc(location.origin) + "&account=" + enc(String(opts.account));
    f.r.appendChild(frame);
    fitKeyboard();
  }

  /** Full screen on a phone, the window follows the visual viewport, so the on-screen
   *  keyboard never covers the composer. */
  function fitKeyboard() {
    var vv = w.visualViewport;
    if (!vv) return;
    function fit() {
      if (!frame) return;
      frame.style.height = frame.style.top = "";
      var full = !frame.hidden && frame.getBoundingClientRect().width >= w.innerWidth;
      if (full && vv.height < w.innerHeight) {
        frame.style.height = vv.height + "px";
        frame.style.top = vv.offsetTop + "px";
      }
    }
    vv.addEventListener("resize", fit);
    vv.addEventListener("scroll", fit);
  }

  function onIntent(strength) {
    if (!opts) return;
    if (strength < 2) return load();
    // The chat opens as a page of its own, with no tie back to this one.
    if (page == "mini" && !open) return openWindow(opts, false, "_blank", "noopener");
    setOpen(!open);
    if (open && frame) frame.focus();
  }

  function connect(target, options, handler) {
    var channel = new I.M();
    channel.port1.onmessage = handler;
    // `open`: the window is opening (the frame was made on intent), so the widget may
    // connect while it builds its views instead of after.
    target.postMessage({ livechat: "port", options: options, kept: kept(), open: open }, origin, [channel.port2]);
    return channel.port1;
  }

  w.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.livechat !== "hello") return;
    if (frame && !port && event.source === frame.contentWindow) {
      port = connect(event.source, wire(opts), onWidgetMessage);
    } else if (popupWindow && !popupPort && event.source === popupWindow) {
      popupPort = connect(event.source, wire(popupOpts), onPopupMessage);
    }
  });

  function onWidgetMessage(event) {
    var message = event.data;
    if (!message || typeof message != "object" || !opts) return;
    var type = message.type;
    if (type == "ready") {
      ready = true;
      f.b.removeAttribute("aria-busy");
      update(message.state);
      if (open) send({ type: "open" });
      for (var i = 0; i < waiting.length; i++) send(waiting[i]);
      waiting = [];
      emit("ready", { state: getState(), customer_data: getCustomer(), chat_data: getChat() });
    } else if (type == "open") {
      if (message.value != open) {
        setOpen(message.value, true);
        if (!open) f.b.focus();
      }
    } else if (type == "size") {
      // The window's own maximise / restore button.
      var max = message.value == "max";
      if (open && max != (f.h.getAttribute("data-size") == "max")) {
        setAttr(f.h, "data-size", max ? "max" : null);
        emit("change", { chat_status: max ? "max" : "res", ticket: snapshot.chat_id || null });
      }
    } else if (type == "state") {
      update(message.value);
    } else if (type == "event") {
      if (message.name == "chatstart" || message.name == "chatopened") storage("localStorage", CHAT_FLAG, true);
      emit(message.name, message.data);
    } else if (type == "token_request") {
      // The site's own sign-in: its function hands the widget an access token.
      var answer = function (ok, value) {
        send({ type: "token", id: message.id, ok: ok, value: value });
      };
      new I.P(function (resolve) {
        resolve(opts.identity_provider());
      }).then(function (token) {
        if (!token || typeof token.access_token != "string") throw new TypeError("identity_provider must resolve to {access_token}");
        answer(true, { access_token: token.access_token });
      }).then(null, function (error) {
        con.error(PREFIX + "identity_provider failed: " + (error && error.message ? error.message : shown(error)));
        answer(false, String(error && error.message ? error.message : error));
      });
    } else if (type == "store") {
      keep(message);
    } else if (type == "result") {
      settle(message);
    } else if (type == "error") {
      con.error(message.message);
    }
  }

  function settle(message) {
    if (!own(pending, message.id)) return;
    var promise = pending[message.id];
    delete pending[message.id];
    message.ok ? promise[0](message.value) : promise[1](new Error(message.error));
  }

  /** Asks the widget to run a command; resolves with its answer. Loads it if needed. */
  function widget(name, args, resolve, reject) {
    var id = ++nextId;
    pending[id] = [resolve, reject];
    var message = { type: "call", id: id, name: name, args: args };
    load();
    ready ? send(message) : (waiting[waiting.length] = message);
  }

  function update(value) {
    if (!value || typeof value != "object") return;
    var before = snapshot;
    snapshot = value;
    if (!value.chat_active && value.customer_id) storage("localStorage", CHAT_FLAG, false);
    if (value.online != null && value.online !== before.online) {
      emit("availability_changed", { availability: value.online ? "online" : "offline" });
      // With nobody to answer, the online states turn into their offline counterparts.
      // Only the state changes; whether the window is open stays the visitor's choice.
      if (!value.online && (page == "start-online" || page == "online")) {
        autoOffline = true;
        pageChanged(page == "online" ? "offline" : "start-offline");
      } else if (value.online && autoOffline && (page == "start-offline" || page == "offline")) {
        autoOffline = false;
        pageChanged(page == "offline" ? "online" : "start-online");
      }
    }
    if (status(value) != status(before)) emit("customer_status_changed", { status: status(value) });
    render();
  }

  function status(value) {
    return value.chat_active ? "chatting" : "browsing";
  }
  function availability() {
    if (snapshot.online != null) return snapshot.online ? "online" : "offline";
    return page == "start-offline" || page == "offline" ? "offline" : null;
  }
  function getState() {
    return {
      availability: availability(),
      visibility: visibility(),
      page: opts ? page : null,
      connection: snapshot.connection || "idle",
      loaded: ready,
    };
  }
  function getCustomer() {
    var vars = {};
    for (var key in customer.vars) if (own(customer.vars, key)) vars[key] = customer.vars[key];
    return {
      id: snapshot.customer_id || null,
      name: customer.name != null ? customer.name : (opts && opts.c_name) || null,
      email: customer.email != null ? customer.email : (opts && opts.c_email) || null,
      status: status(snapshot),
      sessionVariables: vars,
    };
  }
  function getChat() {
    return { chatId: snapshot.chat_id || null, threadId: null, active: !!snapshot.chat_active, unread: snapshot.unread || 0 };
  }

  function pageChanged(state) {
    var previous = page;
    page = state;
    render();
    if (previous != state) emit("page_changed", { page: state, previous: previous });
  }

  function setPage(state, params) {
    autoOffline = false;
    if (state == "online" || state == "offline" || state == "chat") {
      setOpen(true);
      if (state == "chat") widget("page", [state, params || {}], function () {}, function () {});
    } else {
      setOpen(false);
      if (state == "hidden") idle(load);
    }
    pageChanged(state);
  }

  function init(options) {
    if (options === undefined) options = lc.embed.options;
    if (opts) return con.warn(PREFIX + "embed.init was already called; call embed.reload() to start again");
    var valid = validate(options, 1);
    if (!valid) {
      // The bubble the loader painted for this call has nothing to open.
      if (I.f) detach(I.f.h);
      I.f = null;
      return;
    }
    start(valid);
  }

  function start(valid) {
    opts = valid;
    everStarted = true;
    page = valid.page || "start-online";
    autoOffline = false;
    side = valid.side || "right";
    bubbleOn = valid.bubble !== false;
    open = hidden = ready = false;
    snapshot = {};
    f = I.p(valid);
    if (!frameSheet) {
      frameSheet = new CSSStyleSheet();
      frameSheet.replaceSync(FRAME_CSS);
    }
    f.r.adoptedStyleSheets = [f.s, frameSheet];
    if (valid.container) {
      var container = typeof valid.container == "string" ? d.querySelector(valid.container) : valid.container;
      container.appendChild(f.h);
      f.h.setAttribute("data-inline", "");
    }
    if (valid.mobile != null) f.h.setAttribute("data-mobile", valid.mobile ? "on" : "off");
    render();
    var early = I.e;
    I.e = 0;
    I.t = onIntent;
    // Open at once: inline, an open page state, or a chat open on the previous page of this tab.
    if (valid.container || page == "online" || page == "offline" || storage("sessionStorage", OPEN_FLAG) == "1") {
      setOpen(true);
    } else if (early) {
      onIntent(early);
    } else if (page == "hidden" || storage("localStorage", CHAT_FLAG) == "1") {
      // Reachable by agents (hidden), or a chat is going on: load without waiting for intent.
      idle(load);
    }
    var mine = valid;
    later(function () {
      if (opts === mine) emit("load", { page: page, online: snapshot.online == null ? null : snapshot.online });
    }, 0);
  }

  function stop() {
    if (!opts) return;
    send({ type: "shutdown" });
    if (f) detach(f.h);
    for (var id in pending) if (own(pending, id)) pending[id][0]();
    pending = {};
    waiting = [];
    opts = f = frame = port = I.f = I.t = null;
    ready = open = false;
    storage("sessionStorage", OPEN_FLAG, false);
  }

  function reload() {
    if (!opts) return;
    var current = opts;
    stop();
    start(current);
  }

  function statusOf() {
    return {
      state: opts ? "running" : everStarted ? "stopped" : "idle",
      page: opts ? page : null,
      side: side,
      bubble: bubbleOn,
      open: open,
      visibility: visibility(),
      loaded: ready,
      online: snapshot.online == null ? null : snapshot.online,
    };
  }

  var embed = {
    init: init,
    status: statusOf,
    stop: stop,
    flip: function () {
      if (opts) setOpen(!open);
    },
    bubble: function (show) {
      if (typeof show != "boolean") return con.error(PREFIX + "embed.bubble takes true or false, not " + shown(show));
      bubbleOn = show;
      if (opts) render();
    },
    reload: reload,
    switch_side: function (value) {
      if (!among(value, SIDES)) return con.error(PREFIX + "embed.switch_side takes " + words(SIDES) + ", not " + shown(value));
      side = value;
      if (opts) render();
    },
    page: function (state, params) {
      if (!among(state, PAGE_STATES)) return con.error(PREFIX + "embed.page takes " + words(PAGE_STATES) + ", not " + shown(state));
      if (params != null) {
        if (typeof params != "object") return con.error(PREFIX + "embed.page: the second argument must be an object");
        for (var key in params) if (own(params, key) && !among(key, PAGE_PARAMS)) con.warn(PREFIX + "embed.page: unknown parameter `" + key + "` is ignored");
      }
      if (opts) setPage(state, params);
    },
  };

  // ---- commands and getters ----

  function call(name) {
    var args = [];
    for (var i = 1; i < arguments.length; i++) args[args.length] = arguments[i];
    return new I.P(function (resolve, reject) {
      if (!among(name, COMMANDS)) return reject(new Error(PREFIX + "unknown command `" + name + "`; commands are " + words(COMMANDS)));
      // After stop() or destroy, and before init, commands do nothing.
      if (!opts) return resolve();
      var arg = args[0];
      if (name == "maximize") {
        var draft = arg && arg.messageDraft;
        if (draft != null && typeof draft != "string") return reject(new TypeError(PREFIX + "maximize: `messageDraft` must be a string"));
        setOpen(true);
        return draft ? widget(name, [{ messageDraft: draft }], resolve, reject) : resolve();
      }
      if (name == "minimize") {
        setOpen(false);
        return resolve();
      }
      if (name == "hide") {
        setOpen(false);
        hidden = true;
        render();
        emit("visibility_changed", { visibility: "hidden" });
        return resolve();
      }
      if (name == "destroy") {
        stop();
        return resolve();
      }
      if (name == "hide_greeting") return frame ? widget(name, args, resolve, reject) : resolve();
      if (name == "set_customer_name" || name == "set_customer_email") {
        var email = name == "set_customer_email";
        if (email ? !isEmail(arg) || arg == "" : !isFilled(arg)) {
          return reject(new TypeError(PREFIX + name + " takes " + (email ? "an email address" : "a non-empty string") + ", not " + shown(arg)));
        }
        customer[email ? "email" : "name"] = arg;
      } else {
        if (!isVariables(arg)) return reject(new TypeError(PREFIX + name + " takes an object of string values"));
        var vars = name == "update_session_variables" && customer.vars ? customer.vars : {};
        for (var key in arg) if (own(arg, key)) vars[key] = arg[key];
        customer.vars = vars;
      }
      // Kept here and sent with the options when the widget connects; a loaded widget is
      // told now as well.
      if (ready) send({ type: "call", id: 0, name: name, args: args });
      resolve();
    });
  }

  function get(name) {
    if (name == "state") return getState();
    if (name == "customer_data") return getCustomer();
    if (name == "chat_data") return getChat();
    con.error(PREFIX + "unknown getter `" + name + "`; getters are " + words(GETTERS));
  }

  // ---- popup ----

  var popupOpts = null;
  var popupWindow = null;
  var popupPort = null;
  var popupHost = null;
  var POPUP_CSS =
    ":host{all:initial!important;position:fixed!important;bottom:20px!important;right:20px!important;z-index:2147483000!important;display:block!important}" +
    ":host([data-side=left]){right:auto!important;left:20px!important}" +
    "button{all:unset;box-sizing:border-box;display:flex;align-items:center;gap:8px;cursor:pointer;background:#2450d3;color:#fff;" +
    "font:600 15px/1 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
    "button:focus-visible{outline:3px solid #111;outline-offset:3px}" +
    "svg{width:26px;height:26px}" +
    "[data-style='1']{width:60px;height:60px;border-radius:50%;justify-content:center}[data-style='1'] span{display:none}" +
    "[data-style='2']{height:48px;padding:0 18px;border-radius:24px}" +
    "[data-style='3']{padding:12px 16px;border-radius:10px 10px 0 0}" +
    ":host([data-style='3']){bottom:0!important}";

  function openWindow(options, bridged, name, features) {
    var url = origin + "/widget/?account=" + enc(String(options.account));
    // With `host`, the page greets its opener and waits for the port, as the iframe does.
    if (bridged) url += "&host=" + enc(location.origin);
    if (options.title) url += "&title=" + enc(options.title);
    return w.open(url, name, features);
  }

  function openPopup() {
    if (popupWindow && !popupWindow.closed) return popupWindow.focus();
    popupPort = null;
    popupWindow = openWindow(popupOpts, true, "livechat", "popup,width=400,height=640");
    if (!popupWindow) con.warn(PREFIX + "the browser blocked the chat window; call popup.init from a click handler");
  }

  function onPopupMessage(event) {
    var message = event.data;
    if (!message || typeof message != "object" || !popupOpts) return;
    if (message.type == "event") emit(message.name, message.data, popupOpts);
    else if (message.type == "ready") emit("ready", { state: { availability: null, visibility: "maximized" } }, popupOpts);
    else if (message.type == "store") keep(message);
  }

  function popupBubble(type) {
    var host = d.createElement("div");
    host.setAttribute("data-livechat-popup", "");
    var root = host.attachShadow({ mode: "open" });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(POPUP_CSS);
    root.adoptedStyleSheets = [sheet];
    var button = d.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", "Chat with us (opens a new window)");
    var style = type[type.length - 1];
    button.setAttribute("data-style", style);
    host.setAttribute("data-style", style);
    if (type[0] == "l") host.setAttribute("data-side", "left");
    var icon = d.createElementNS("http://www.w3.org/2000/svg", "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.innerHTML = ICON_CHAT;
    var label = d.createElement("span");
    label.textContent = "Chat with us";
    button.appendChild(icon);
    button.appendChild(label);
    button.addEventListener("click", openPopup);
    root.appendChild(button);
    (d.body || d.documentElement).appendChild(host);
    return host;
  }

  var popup = {
    init: function (options) {
      if (popupOpts) return con.warn(PREFIX + "popup.init was already called");
      var valid = validate(options, 2);
      if (!valid) return;
      popupOpts = valid;
      if (valid.mode == "bubble") popupHost = popupBubble(valid.btype || "right1");
      else openPopup();
      later(function () {
        if (popupOpts === valid) emit("load", { page: "popup", online: null }, valid);
      }, 0);
    },
    status: function () {
      if (!popupOpts) return "stopped";
      return popupWindow && !popupWindow.closed ? "open" : "closed";
    },
    close: function () {
      if (popupWindow && !popupWindow.closed) popupWindow.close();
      popupWindow = popupPort = null;
    },
    stop: function () {
      popup.close();
      detach(popupHost);
      popupHost = popupOpts = null;
    },
  };

  // ---- single-page apps: report navigation as page views ----

  var lastUrl = location.href;
  function navigated() {
    later(function () {
      if (location.href == lastUrl) return;
      lastUrl = location.href;
      send({ type: "page_view", url: lastUrl, title: d.title, goal: opts ? goal(opts) : false });
    }, 0);
  }
  function wrapHistory(name) {
    var original = w.history[name];
    if (typeof original != "function") return;
    w.history[name] = function () {
      var result = R(original, this, arguments);
      navigated();
      return result;
    };
  }
  wrapHistory("pushState");
  wrapHistory("replaceState");
  w.addEventListener("popstate", navigated);
  w.addEventListener("hashchange", navigated);

  // ---- install, then run what was queued ----

  var TABLE = {
    "embed.init": init,
    "embed.status": statusOf,
    "embed.stop": stop,
    "embed.flip": embed.flip,
    "embed.bubble": embed.bubble,
    "embed.reload": reload,
    "embed.switch_side": embed.switch_side,
    "embed.page": embed.page,
    "popup.init": popup.init,
    "popup.status": popup.status,
    "popup.stop": popup.stop,
    "popup.close": popup.close,
    on: function (name, fn) {
      return listen(name, fn, false);
    },
    once: function (name, fn) {
      return listen(name, fn, true);
    },
    off: off,
    get: get,
    call: call,
  };
  var target = lc.embed;
  for (var key in embed) if (own(embed, key)) target[key] = embed[key];
  for (key in popup) if (own(popup, key)) lc.popup[key] = popup[key];
  lc.on = TABLE.on;
  lc.once = TABLE.once;
  lc.off = off;
  lc.get = get;
  lc.call = call;
  var queue = I.q;
  for (var q = 0; q < queue.length; q++) {
    var entry = queue[q];
    var result = R(TABLE[entry[0]], undefined, entry[1]);
    if (entry[2]) entry[2](result);
  }
  queue.length = 0;
})(window, document);
