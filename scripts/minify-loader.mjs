// Trunk post-build hook: minifies the host-page scripts into the staging directory, so the
// files the server sends stay within their size budgets while the sources stay readable.
// embed.js is copied there by index.html; api.js (the full host API, fetched by embed.js
// from /widget/api.js) and livechat.d.ts are read from public/ and written there by this hook.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("minify-loader: TRUNK_STAGING_DIR is not set; run this as a trunk hook");
  process.exit(1);
}
const source = process.env.TRUNK_SOURCE_DIR || process.cwd();
const options = { compress: { passes: 2 }, mangle: true, format: { comments: false } };
for (const [from, to] of [
  [join(dir, "embed.js"), join(dir, "embed.js")],
  [join(source, "public", "api.js"), join(dir, "api.js")],
]) {
  const result = await minify(await readFile(from, "utf8"), options);
  await writeFile(to, result.code);
}
// The API's TypeScript declarations, for developers to fetch next to the API.
await writeFile(join(dir, "livechat.d.ts"), await readFile(join(source, "public", "livechat.d.ts")));
// Last, once every file is final: the compressed copies the server sends.
await import("./compress.mjs");
