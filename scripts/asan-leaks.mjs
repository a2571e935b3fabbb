#!/usr/bin/env node
// Sorts LeakSanitizer reports (files written with ASAN_OPTIONS=log_path=...) into leaks of
// octokafka's addon (allocated by code in octokafka.node: our code or the librdkafka linked
// into it) and node's own (V8, libuv, OpenSSL inside node: node is not built to exit without
// leaks). A leak belongs to whoever called the allocator (the first frame past malloc /
// operator new). Suppression files cannot make that split: a suppression matches any frame
// of a stack, and the addon and node call each other in nearly every stack.
//
//   node scripts/asan-leaks.mjs <log file or folder>...
// Prints a summary and each of the addon's leaks; exits 1 when the addon leaked.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const files = process.argv.slice(2).flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).map((f) => join(p, f)) : [p]));
const ours = [];
let nodeLeaks = 0;
let nodeBytes = 0;
let otherErrors = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  otherErrors += (text.match(/ERROR: AddressSanitizer:/g) ?? []).length;
  // "Direct leak of 48 byte(s) in 1 object(s) allocated from:" followed by "#n ..." frames.
  for (const block of text.split(/\n(?=(?:Direct|Indirect) leak of )/)) {
    const head = /^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\)/.exec(block);
    if (!head) continue;
    const frames = block.split('\n').filter((l) => /^\s+#\d+ /.test(l));
    // Who allocated: the first frame past the allocator (ASan's interceptor, operator new).
    const allocator = (f) => /libsanitizer|asan_|libstdc\+\+|operator new|__interceptor_/.test(f);
    const caller = frames.find((f) => !allocator(f)) ?? '';
    if (/octokafka\.node|\/native\/|librdkafka|napi-inl\.h/.test(caller)) {
      ours.push({ file, kind: head[1], bytes: Number(head[2]), objects: Number(head[3]), frames: frames.slice(0, 12) });
    } else {
      nodeLeaks++;
      nodeBytes += Number(head[2]);
    }
  }
}
console.log(`${files.length} LeakSanitizer log(s): ${nodeLeaks} leak report(s) of node itself (${nodeBytes} bytes), ${ours.length} of the addon, ${otherErrors} other AddressSanitizer error(s)`);
for (const leak of ours) {
  console.log(`\n${leak.kind} leak of ${leak.bytes} byte(s) in ${leak.objects} object(s) (${leak.file}):`);
  for (const f of leak.frames) console.log(f);
}
process.exit(ours.length > 0 || otherErrors > 0 ? 1 : 0);
