// One run of one client of the peer benchmark, in its own process (started by
// bench/peers.mjs): its own peak RSS, no JIT or garbage state from other clients.
//
//   node bench/peer-phase.mjs '<json spec>'
//
// spec: { client, mode, kind, workload, brokers, topic, group, count, size, rate, seconds, peersDir }
// client: octokafka | octokafka-kafkajs | kafkajs | confluent-kafkajs | confluent | node-rdkafka
//         | platformatic. The result is one line on stderr: RESULT {json}.
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { meter, peakRssKb } from './meter.mjs';
import { messageShape, runInstances } from './peers/common.mjs';
import { WORKLOADS } from './peers/report.mjs';

const spec = JSON.parse(process.argv[2]);
const MODULES = {
  octokafka: './peers/octokafka.mjs',
  'octokafka-kafkajs': './peers/kafkajs-api.mjs',
  kafkajs: './peers/kafkajs-api.mjs',
  'confluent-kafkajs': './peers/kafkajs-api.mjs',
  confluent: './peers/rdkafka-api.mjs',
  'node-rdkafka': './peers/rdkafka-api.mjs',
  platformatic: './peers/platformatic.mjs',
};

const { modes } = await import(MODULES[spec.client] ?? `unknown client ${spec.client}`);
const run = modes[spec.mode];
if (!run) throw new Error(`${spec.client} has no mode ${spec.mode}`);

const m = meter();
let measured = null;
const workload = WORKLOADS[spec.workload ?? 'base'];
const shape = messageShape(spec.size, spec.workload ?? 'base');
const ctx = {
  ...spec,
  value: shape.values[0],
  values: shape.values,
  keys: shape.keys,
  headers: shape.headers,
  compression: workload.compression,
  instances: workload.instances ?? 1,
  load: createRequire(join(spec.peersDir, 'package.json')),
  meter: {
    start: () => m.start(),
    /** The end of the timed part (the first call counts). */
    stopHere() {
      measured ??= m.stop({});
    },
    get finished() {
      return measured !== null;
    },
  },
};

const timer = setTimeout(() => {
  process.stderr.write(`RESULT ${JSON.stringify({ error: 'timed out inside the phase' })}\n`);
  process.exit(3);
}, spec.timeoutMs ?? 600_000);
try {
  const r = await runInstances(ctx, run);
  ctx.meter.stopHere();
  process.stderr.write(`RESULT ${JSON.stringify({ ...measured, ...r, peakRssKb: peakRssKb() })}\n`);
  clearTimeout(timer);
  // Some clients keep timers or sockets after their close: the result is out, so leave.
  process.exit(0);
} catch (e) {
  process.stderr.write(`RESULT ${JSON.stringify({ error: e?.stack ?? String(e) })}\n`);
  process.exit(1);
}
