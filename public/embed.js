/* Live chat loader: the only script a host page includes. It stays small (2 KB gzip) by
 * doing just four things at once, with no network request of its own beyond the API:
 *  1. installs window.livechat with every method as a queue, so calls made now (or by the
 *     snippet before this file arrived) run later, in order, once the API has loaded;
 *  2. keeps the page's built-ins as they are now, before later scripts can patch them;
 *  3. paints the chat bubble on embed.init, in an open shadow root styled by a constructed
 *     stylesheet (host CSS cannot reach it; a strict CSP without 'unsafe-inline' allows it);
 *  4. fetches the full host API (/widget/api.js, same origin as this file) without blocking.
 * The API (public/api.js) validates options, loads the widget iframe on intent and talks
 * to it; until it arrives, the bubble only remembers the visitor's intent. */
(function (w, d) {
  "use strict";
  var lc = (w.livechat = w.livechat || {});
  if (lc._) return;
  var script = d.currentScript || d.querySelector('script[src*="embed.js"]');
  var origin = new URL(script.src, location.href).origin;
  var queue = [];
  // Shared with api.js. `e`: strongest intent shown before it loaded (1 hover/focus, 2 click).
  var I = (lc._ = {
    o: origin,
    q: queue,
    e: 0,
    P: w.Promise,
    R: w.Reflect.apply,
    M: w.MessageChannel,
    C: w.console,
    T: w.setTimeout,
    A: Array.isArray,
    H: Object.prototype.hasOwnProperty,
    U: w.URL,
    X: encodeURIComponent,
    p: paint,
  });
  var CSS =
    ":host{all:initial!important;position:fixed!important;right:20px!important;bottom:20px!important;z-index:2147483000!important;display:block!important}" +
    ":host([data-side=left]){right:auto!important;left:20px!important}" +
    "button{all:unset;box-sizing:border-box;width:60px;height:60px;border-radius:50%;background:#2450d3;color:#fff;" +
    "display:grid;place-items:center;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);position:relative}" +
    "button[hidden]{display:none}" +
    "button:focus-visible{outline:3px solid #111;outline-offset:3px}" +
    "button[aria-busy=true]{opacity:.8}" +
    "svg{width:28px;height:28px}" +
    ".b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;" +
    "background:#c40d2e;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}" +
    ".b:empty{display:none}";

  function intent(event) {
    var strength = event.type == "click" ? 2 : 1;
    if (I.t) I.t(strength);
    else if (I.e < strength) I.e = strength;
  }

  // Draws the bubble once; api.js calls it too, and takes the elements over.
  function paint(options) {
    if (I.f) return I.f;
    options = options || {};
    var host = d.createElement("div");
    host.setAttribute("data-livechat", "");
    if (options.side == "left") host.setAttribute("data-side", "left");
    var root = host.attachShadow({ mode: "open" });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    var button = d.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", "Open chat");
    button.setAttribute("aria-expanded", "false");
    button.hidden = options.bubble === false || options.page == "hidden" || !!options.container;
    var icon = d.createElementNS("http://www.w3.org/2000/svg", "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    // Static markup only: never data from the page or the network.
    icon.innerHTML = '<path d="M4 4h16v12H8l-4 4z" fill="currentColor"/>';
    var badge = d.createElement("span");
    badge.className = "b";
    button.appendChild(icon);
    button.appendChild(badge);
    var names = ["pointerenter", "focus", "touchstart", "click"];
    for (var i = 0; i < 4; i++) button.addEventListener(names[i], intent, { passive: true });
    root.appendChild(button);
    (d.body || d.documentElement).appendChild(host);
    return (I.f = { h: host, r: root, b: button, i: icon, n: badge, s: sheet });
  }

  // A queued stand-in for an API method. `call` answers with a promise and `on`/`once`
  // with an unsubscribe function, as the real ones do; getters answer undefined until the
  // API loads.
  function stub(name) {
    return function () {
      var args = arguments;
      var entry = [name, args];
      queue[queue.length] = entry;
      if (name == "embed.init") paint(args[0] || lc.embed.options);
      if (name == "call") return new I.P(function (resolve) { entry[2] = resolve; });
      if (name == "on" || name == "once") return function () { I.R(lc.off, lc, args); };
    };
  }
  function define(target, prefix, names) {
    for (var i = 0; i < names.length; i++) target[names[i]] = stub(prefix + names[i]);
  }

  // Calls the snippet queued before this file ran: [name, arguments, resolve?] (resolve:
  // the snippet handed out a promise for a `call`) or the older [name, arg, ...].
  var early = lc.q || [];
  lc.embed = lc.embed || {};
  lc.popup = lc.popup || {};
  define(lc.embed, "embed.", ["init", "status", "stop", "flip", "bubble", "reload", "switch_side", "page"]);
  define(lc.popup, "popup.", ["init", "status", "stop", "close"]);
  define(lc, "", ["on", "once", "off", "get", "call"]);
  lc.q = { push: run };
  function run(entry) {
    var args = entry[1], resolve;
    if (args && typeof args == "object" && typeof args.length == "number") resolve = entry[2];
    else {
      args = [];
      for (var i = 1; i < entry.length; i++) args[i - 1] = entry[i];
    }
    var names = String(entry[0]).split("."), fn = names[1] ? (lc[names[0]] || {})[names[1]] : lc[names[0]];
    if (typeof fn != "function") return I.C.error("livechat: unknown call `" + entry[0] + "` in the queue");
    var result = I.R(fn, undefined, args);
    if (typeof resolve == "function") resolve(result);
  }
  for (var i = 0; i < early.length; i++) run(early[i]);
  // <script src=".../embed.js" data-account="1">: a page whose policy allows no inline
  // script can start the widget without a snippet.
  var account = script.getAttribute("data-account");
  if (account) lc.embed.init({ account: account });

  var api = d.createElement("script");
  api.src = origin + "/widget/api.js";
  api.async = true;
  (d.head || d.documentElement).appendChild(api);
})(window, document);
