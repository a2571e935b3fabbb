#!/usr/bin/env node
// octokafka's install script. When npm installed this platform's binary package (an optional
// dependency: octokafka-<os>-<arch>-<gnu|musl>), there is nothing to do; otherwise
// node-gyp-build takes over as before (a fitting prebuilds/ binary, else a source build).
// The name is worked out as lib/native/binding.ts does at load time.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

function platformPackage() {
  let libc = '';
  if (process.platform === 'linux') {
    const header = process.report.getReport().header;
    libc = header.glibcVersionRuntime ? '-gnu' : '-musl';
  }
  return `octokafka-${process.platform}-${process.arch}${libc}`;
}

const name = platformPackage();
try {
  const file = require.resolve(`${name}/octokafka.node`, { paths: [join(__dirname, '..')] });
  console.log(`octokafka: using ${name} (${file}); nothing to build`);
  process.exit(0);
} catch {
  // not installed: the usual route
}
const bin = require.resolve('node-gyp-build/bin.js', { paths: [join(__dirname, '..')] });
const r = spawnSync(process.execPath, [bin], { stdio: 'inherit', cwd: join(__dirname, '..') });
process.exit(r.status ?? 1);
