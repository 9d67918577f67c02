// Trunk post-build hook: minifies the loader in the staging directory, so the file the
// server sends stays within its size budget while public/embed.js stays readable.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("minify-loader: TRUNK_STAGING_DIR is not set; run this as a trunk hook");
  process.exit(1);
}
const file = join(dir, "embed.js");
const source = await readFile(file, "utf8");
const result = await minify(source, { compress: { passes: 2 }, mangle: true, format: { comments: false } });
await writeFile(file, result.code);
