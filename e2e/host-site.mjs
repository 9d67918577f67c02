// A stand-in for a customer's website: a tiny HTTP server on its own origin (another port
// of 127.0.0.1, so cross-origin to the chat server but the same site: headless Chromium
// denies storage to cross-site frames, which would make every page load a new visitor),
// serving the pages the host-page API tests embed the widget into. It is the host, not
// our server.
import { createServer } from "node:http";

/**
 * Starts the site. `site.page(path, { body, head, csp, scripts })` registers a page:
 * `scripts` maps paths to JavaScript served from the site (for pages whose policy forbids
 * inline script). Resolves to { origin, page, url(path), close }.
 */
export async function startSite() {
  const files = new Map();
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://x").pathname;
    if (path == "/favicon.ico") {
      response.writeHead(204).end();
      return;
    }
    const file = files.get(path);
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": file.type, "cache-control": "no-store", ...file.headers });
    response.end(file.body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (path) => origin + path,
    page(path, { body = "", head = "", csp, scripts = {} } = {}) {
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host page</title>${head}</head><body>${body}</body></html>`;
      files.set(path, { type: "text/html; charset=utf-8", body: html, headers: csp ? { "content-security-policy": csp } : {} });
      for (const [scriptPath, code] of Object.entries(scripts)) {
        files.set(scriptPath, { type: "text/javascript; charset=utf-8", body: code, headers: {} });
      }
      return origin + path;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The recommended snippet (as in the README): queues every call until the loader has arrived. */
export const SNIPPET = `window.livechat=window.livechat||(function(q){function f(n){return function(){var a=arguments;if(n=="call")return new Promise(function(r){q[q.length]=[n,a,r]});q[q.length]=[n,a]}}return{q:q,embed:{init:f("embed.init")},popup:{init:f("popup.init")},on:f("on"),once:f("once"),off:f("off"),call:f("call")}})([]);`;

/** Host-side code that records every callback and event into window.seen (no array methods). */
export const RECORDER = `window.seen=[];function record(name){return function(data){window.seen[window.seen.length]={name:name,data:data}}}`;
