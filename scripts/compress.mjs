// Trunk post-build hook (release builds): writes a brotli (quality 11) and a gzip (level 9)
// copy beside each file the browser fetches, which the server sends as they are to browsers
// that accept them. Compressing on the fly costs the server CPU on every request and, at the
// quality a server can afford per request, about a fifth more bytes for the WebAssembly.
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("compress: TRUNK_STAGING_DIR is not set; run this as a trunk hook");
  process.exit(1);
}
// Development builds (`trunk serve`) are served by trunk, and rebuilt often.
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
for (const name of await readdir(dir)) {
  if (!/\.(wasm|js|css|html|ts)$/.test(name)) continue;
  const body = await readFile(join(dir, name));
  const brotli = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  const gzip = gzipSync(body, { level: 9 });
  // A copy that is not smaller is left out: the server then sends the file itself.
  if (brotli.length < body.length) await writeFile(join(dir, name + ".br"), brotli);
  if (gzip.length < body.length) await writeFile(join(dir, name + ".gz"), gzip);
}
