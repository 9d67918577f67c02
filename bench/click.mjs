// Click to chat on slow links and slow phones, ours and Rocket.Chat Livechat side by side.
// Each run is a fresh browser context (cold cache, empty storage) whose page has DevTools
// network and CPU emulation from before it loads. The host page is another origin of the
// chat server's site, so the widget's frame shares the page's renderer and the emulation
// reaches it too (a cross-site frame would run in a renderer of its own, unthrottled).
import { instrumentation, sleep } from "./lib.mjs";
import { installRocketChat, startRocketChat } from "./rocketchat.mjs";

/** How long any step of a visit may take on the slowest profile. */
const PATIENCE = 120000;

/** DevTools' presets as Lighthouse and the DevTools panel define them. */
export const PROFILES = [
  { name: "unthrottled" },
  // DevTools' "Fast 3G": 1.6 Mbps down and 750 kbps up, both at 90 %, 562.5 ms latency.
  { name: "Fast 3G, 4× slower CPU", latency: 562.5, down: (1.6e6 / 8) * 0.9, up: (750e3 / 8) * 0.9, cpu: 4 },
  // Lighthouse's "Slow 4G" (its mobile default): 1.6 Mbps down, 750 kbps up, 150 ms latency.
  { name: "Slow 4G, 4× slower CPU", latency: 150, down: 1.6e6 / 8, up: 750e3 / 8, cpu: 4 },
];

/** In the Rocket.Chat frame: the first pointer event on it (its bubble lives in its own
 * frame) and when its composer is on screen, ready to type in. */
const PEER_PROBE = `(() => {
  if (window === window.top || !/\\/livechat/.test(location.pathname)) return;
  const B = (window.__bench = { t: {} });
  const epoch = () => performance.timeOrigin + performance.now();
  for (const type of ["pointerover", "pointerdown", "mousedown", "click"]) {
    window.addEventListener(type, () => { if (B.t.intent === undefined) B.t.intent = epoch(); }, { capture: true });
  }
  const check = () => {
    const input = document.querySelector('[class*="composer__input"]');
    const connecting = document.querySelector('[class*="composer--connecting"]');
    if (B.t.intent !== undefined && B.t.usable === undefined && input && !connecting && input.getClientRects().length) {
      B.t.usable = epoch();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => (B.t.usablePainted = epoch());
        channel.port2.postMessage(0);
      });
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
})();`;

async function throttle(context, page, profile) {
  const cdp = await context.newCDPSession(page);
  if (profile.latency !== undefined) {
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: profile.latency, downloadThroughput: profile.down, uploadThroughput: profile.up });
  }
  if (profile.cpu) await cdp.send("Emulation.setCPUThrottlingRate", { rate: profile.cpu });
  return cdp;
}

/** Bytes as sent (bodies and headers) of every response from `origin` seen so far. */
function wire(context, origin) {
  const sizes = [];
  context.on("requestfinished", async (request) => {
    if (!request.url().startsWith(origin)) return;
    const measured = await request.sizes().catch(() => null);
    if (measured) sizes.push(measured.responseBodySize + measured.responseHeadersSize);
  });
  return () => sizes.reduce((sum, size) => sum + size, 0);
}

async function frameOf(page, prefix, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const frame = page.frames().find((candidate) => candidate.url().startsWith(prefix));
    if (frame) return frame;
    if (Date.now() > deadline) throw new Error(`no frame from ${prefix}`);
    await sleep(25);
  }
}

async function until(frame, predicate, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await frame.evaluate(predicate).catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error("the chat did not become usable in time");
    await sleep(50);
  }
}

/** One cold visit: the host page loads under `profile`, the network goes quiet, a second
 * passes, the bubble is clicked, and the time runs until the chat is usable. `widget` says
 * what to instrument, whose bytes to count, where its page and its frame are and how to
 * find its bubble. */
async function visit(browser, profile, widget) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(widget.probe);
    const page = await context.newPage();
    await throttle(context, page, profile);
    const bytes = wire(context, widget.origin);
    const started = Date.now();
    await page.goto(widget.page);
    const bubble = await widget.bubble(page);
    await bubble.waitFor({ timeout: PATIENCE });
    const shown = Date.now() - started;
    await page.waitForLoadState("networkidle", { timeout: PATIENCE }).catch(() => {});
    await sleep(1000);
    await bubble.click();
    const frame = await frameOf(page, widget.frame, PATIENCE);
    const times = await until(frame, () => window.__bench && window.__bench.t.usablePainted && window.__bench.t, PATIENCE);
    // Our bubble is on the host page, which records the first pointer event; Rocket.Chat's
    // is in its frame, which records it there.
    const intent = times.intent ?? (await page.evaluate(() => window.__bench.t.intent));
    return { click: times.usablePainted - intent, shown, bytes: bytes() };
  } finally {
    await context.close();
  }
}

/** Our widget: the bubble is the loader's, on the host page. */
const ours = (browser, server, host, profile) =>
  visit(browser, profile, {
    probe: instrumentation({ serverOrigin: new URL(server.url).origin }),
    origin: server.url,
    page: host.sameSiteUrl + "/",
    frame: server.url + "/widget/",
    bubble: (page) => page.locator("[data-livechat] button"),
  });

/** Rocket.Chat Livechat: its bubble is in its frame, so the click is too. */
const peer = (browser, rc, profile) =>
  visit(browser, profile, {
    probe: PEER_PROBE,
    origin: rc.url,
    page: rc.hostUrl + "/",
    frame: rc.url + "/livechat",
    bubble: async (page) => (await frameOf(page, rc.url + "/livechat", PATIENCE)).locator('[class*="screen__chat-button"]'),
  });

/** Runs every profile for both widgets and adds their rows. */
export async function clickRuns({ browser, server, host, runs, row, log, stats, kb, ms }) {
  let rc = null;
  let installed = null;
  try {
    installed = installRocketChat();
    rc = await startRocketChat(installed.build);
  } catch (error) {
    log(`Rocket.Chat Livechat unavailable: ${String(error.message).split("\n")[0]}`);
  }
  try {
    for (const profile of PROFILES) {
      const mine = { click: [], shown: [], bytes: [] };
      const theirs = { click: [], shown: [], bytes: [] };
      for (let run = 0; run < runs; run++) {
        const one = await ours(browser, server, host, profile);
        for (const key of Object.keys(mine)) mine[key].push(one[key]);
        let other = null;
        if (rc) {
          other = await peer(browser, rc, profile).catch((error) => {
            log(`Rocket.Chat run failed: ${String(error.message).split("\n")[0]}`);
            return null;
          });
          if (other) for (const key of Object.keys(theirs)) theirs[key].push(other[key]);
        }
        log(`click ${profile.name} ${run + 1}/${runs}: ours ${ms(one.click)}${other ? `, Rocket.Chat ${ms(other.click)}` : ""}`);
      }
      const side = (values, format) => {
        if (!values.length) return "Rocket.Chat Livechat unavailable";
        const figures = stats(values);
        return `Rocket.Chat Livechat ${installed.version}: ${format(figures.median)} (${format(figures.min)}–${format(figures.max)})`;
      };
      const throttled = profile.latency !== undefined;
      row({
        group: "Click to chat", what: `Click → composer usable, cold cache, ${profile.name}`, ours: stats(mine.click), unit: "ms",
        limit: throttled ? (profile.name.startsWith("Fast 3G") ? 1500 : undefined) : 300,
        budget: throttled ? (profile.name.startsWith("Fast 3G") ? "≤ 1.5 s" : undefined) : "≤ 300 ms",
        why: throttled
          ? `everything the chat needs crosses the link after the click: about ${kb(stats(mine.bytes).median)} at ${kb(profile.down)}/s, and each of the requests in the chain waits ${ms(profile.latency)} before its first byte (the frame's page, its script and module, the token, the socket and its login); Rocket.Chat's whole app and socket are loaded with the page, before any click`
          : "the module is fetched, compiled and started after the click, then the token, the socket and the login follow one another",
        peer: side(theirs.click, ms),
      });
      row({
        group: "Click to chat", what: `Page load → bubble on screen, ${profile.name}`, ours: stats(mine.shown), unit: "ms",
        note: "timed from the navigation's start by the benchmark, so it includes the host page itself",
        peer: side(theirs.shown, ms),
      });
      row({
        group: "Click to chat", what: `Bytes from the chat's server until usable (bodies + headers as sent), ${profile.name}`, ours: stats(mine.bytes), unit: "B",
        peer: side(theirs.bytes, kb),
      });
    }
  } finally {
    await rc?.close();
    installed?.remove();
  }
}
