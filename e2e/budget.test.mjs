// Byte budgets of what the host page downloads before any visitor interaction.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { ROOT } from "./support.mjs";

test("the loader the server sends stays within 2 KB gzip", () => {
  const loader = readFileSync(join(ROOT, "dist", "embed.js"));
  const gzipped = gzipSync(loader, { level: 9 }).length;
  console.log(`embed.js: ${loader.length} B raw, ${gzipped} B gzip`);
  assert.ok(gzipped <= 2048, `embed.js is ${gzipped} B gzip, over the 2048 B budget`);
});
