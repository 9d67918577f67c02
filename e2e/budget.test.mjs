// Byte budgets of what the host page downloads before any visitor interaction: the loader
// (painted at once) and the host API it fetches right after, without blocking paint.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { ROOT } from "./support.mjs";

function gzipped(name) {
  const file = readFileSync(join(ROOT, "dist", name));
  const size = gzipSync(file, { level: 9 }).length;
  console.log(`${name}: ${file.length} B raw, ${size} B gzip`);
  return size;
}

test("the loader the server sends stays within 2 KB gzip", () => {
  const size = gzipped("embed.js");
  assert.ok(size <= 2048, `embed.js is ${size} B gzip, over the 2048 B budget`);
});

test("the host API fetched after the loader stays within 8 KB gzip", () => {
  const size = gzipped("api.js");
  assert.ok(size <= 8192, `api.js is ${size} B gzip, over the 8192 B budget`);
});
