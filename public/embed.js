/* Live chat loader. Installs window.livechat, paints the chat bubble at once (no network),
 * and loads the chat app in an iframe only when the visitor shows intent (hover, focus,
 * touch, click) or was already chatting in this tab. Host page ⇄ iframe messages travel
 * over a MessageChannel whose port is handed over once, to the widget's exact origin.
 * Styles go through a constructed stylesheet in a shadow root, so host CSS cannot reach
 * the bubble and a strict Content-Security-Policy without 'unsafe-inline' is fine. The
 * root is open so tools and tests can inspect it. */
(function (w, d) {
  "use strict";
  var lc = (w.livechat = w.livechat || {});
  if (lc.loaded) return;
  lc.loaded = true;
  var script = d.currentScript || d.querySelector('script[src*="embed.js"]');
  var origin = new URL(script.src, location.href).origin;
  var FLAG = "livechat.open";
  var CSS =
    ":host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000}" +
    "button{all:unset;box-sizing:border-box;width:60px;height:60px;border-radius:50%;background:#2450d3;color:#fff;" +
    "display:grid;place-items:center;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);position:relative}" +
    "button:focus-visible{outline:3px solid #111;outline-offset:3px}" +
    "button[aria-busy=true]{opacity:.8}" +
    "svg{width:28px;height:28px}" +
    ".b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;" +
    "background:#c40d2e;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}" +
    ".b:empty{display:none}" +
    "iframe{position:fixed;right:20px;bottom:92px;width:376px;height:min(600px,calc(100vh - 112px));border:0;" +
    "border-radius:14px;box-shadow:0 8px 40px rgba(0,0,0,.25);background:#fff;color-scheme:normal}" +
    "iframe[hidden]{display:none}" +
    "@media (max-width:480px){iframe{inset:0;width:100%;height:100%;border-radius:0}}";
  var ICON_CHAT = '<path d="M4 4h16v12H8l-4 4z" fill="currentColor"/>';
  var ICON_CLOSE = '<path d="M6 6l12 12M18 6 6 18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/>';
  var opts, root, button, badge, icon, frame, port, ready, open;

  function svg(path) {
    // Static markup only: never data from the page or the network.
    icon.innerHTML = path;
  }

  function send(message) {
    if (port) port.postMessage(JSON.stringify(message));
  }

  function show(value) {
    open = value;
    if (frame) frame.hidden = !value;
    button.setAttribute("aria-expanded", String(value));
    button.setAttribute("aria-label", value ? "Close chat" : "Open chat");
    svg(value ? ICON_CLOSE : ICON_CHAT);
    try {
      value ? sessionStorage.setItem(FLAG, "1") : sessionStorage.removeItem(FLAG);
    } catch (e) {}
  }

  function onPortMessage(event) {
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (message.type === "ready") {
      ready = true;
      button.removeAttribute("aria-busy");
      if (open) send({ type: "open" });
    } else if (message.type === "open") {
      if (message.value !== open) {
        show(message.value);
        if (!message.value) button.focus();
      }
    } else if (message.type === "unread") {
      badge.textContent = message.count > 0 ? String(message.count) : "";
      button.setAttribute("aria-label", (open ? "Close chat" : "Open chat") + (message.count > 0 ? ", " + message.count + " unread" : ""));
    } else if (message.type === "error") {
      console.error(message.message);
    }
  }

  function load() {
    if (frame) return;
    frame = d.createElement("iframe");
    frame.title = "Chat window";
    frame.hidden = !open;
    frame.src = origin + "/widget/?host=" + encodeURIComponent(location.origin);
    w.addEventListener("message", function (event) {
      if (port || event.source !== frame.contentWindow || event.origin !== origin) return;
      if (!event.data || event.data.livechat !== "hello") return;
      var channel = new MessageChannel();
      port = channel.port1;
      port.onmessage = onPortMessage;
      var options = {};
      for (var key in opts) if (typeof opts[key] !== "function") options[key] = opts[key];
      options.page_info = { url: location.href, title: d.title };
      frame.contentWindow.postMessage({ livechat: "port", options: JSON.stringify(options) }, origin, [channel.port2]);
    });
    root.appendChild(frame);
  }

  function toggle() {
    load();
    show(!open);
    if (!ready) button.setAttribute("aria-busy", "true");
    send({ type: open ? "open" : "close" });
    if (open) frame.focus();
  }

  function init(options) {
    options = options || lc.embed.options || {};
    if (root) return console.warn("livechat: embed.init was already called");
    if (options.account == null || String(options.account).trim() === "") {
      return console.error("livechat: embed.init needs the `account` option (your license number)");
    }
    opts = options;
    var host = d.createElement("div");
    host.setAttribute("data-livechat", "");
    root = host.attachShadow({ mode: "open" });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    button = d.createElement("button");
    button.type = "button";
    icon = d.createElementNS("http://www.w3.org/2000/svg", "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    badge = d.createElement("span");
    badge.className = "b";
    button.append(icon, badge);
    button.addEventListener("click", toggle);
    ["pointerenter", "focus", "touchstart"].forEach(function (name) {
      button.addEventListener(name, load, { once: true, passive: true });
    });
    root.appendChild(button);
    (d.body || d.documentElement).appendChild(host);
    var wasOpen = false;
    try {
      wasOpen = sessionStorage.getItem(FLAG) === "1";
    } catch (e) {}
    show(false);
    // A chat open on the previous page of this tab reopens; it needs no new intent.
    if (wasOpen) toggle();
  }

  lc.embed = lc.embed || {};
  lc.embed.init = init;
  var queue = lc.q || [];
  lc.q = { push: function (call) { run(call); } };
  function run(call) {
    if (call[0] === "embed.init") init(call[1]);
  }
  for (var i = 0; i < queue.length; i++) run(queue[i]);
})(window, document);
