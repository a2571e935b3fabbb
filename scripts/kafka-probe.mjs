// Readiness probe for scripts/kafka.sh: asks a broker on a PLAINTEXT listener for its
// ApiVersions and then for Metadata, over a raw socket (no client library needed, so it works
// before the addon is built). Exits 0 when the broker answers ApiVersions without error and
// Metadata lists at least one broker; 1 otherwise. Usage: node kafka-probe.mjs HOST:PORT [timeoutMs]
import { connect } from 'node:net';

const [hostPort, timeoutArg] = process.argv.slice(2);
const match = /^(.+):(\d+)$/.exec(hostPort ?? '');
if (!match) {
  console.error('usage: kafka-probe.mjs HOST:PORT [timeoutMs]');
  process.exit(2);
}
const [, host, port] = match;
const timeoutMs = Number(timeoutArg ?? 2000);
const CLIENT_ID = 'octokafka-probe';

/** A non-flexible request (header v1): apiKey, version, correlation id, client id, body. */
function request(apiKey, version, correlationId, body) {
  const id = Buffer.from(CLIENT_ID);
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(id.length, 8);
  const payload = Buffer.concat([header, id, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

const socket = connect({ host, port: Number(port) });
const timer = setTimeout(() => fail('timed out'), timeoutMs);
let buffered = Buffer.alloc(0);
let step = 0;

function fail(why) {
  clearTimeout(timer);
  socket.destroy();
  if (process.env.KAFKA_PROBE_VERBOSE) console.error(`probe: ${why}`);
  process.exit(1);
}

socket.on('error', (e) => fail(e.message));
socket.on('connect', () => {
  // ApiVersions v0: empty body.
  socket.write(request(18, 0, 1, Buffer.alloc(0)));
});
socket.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  if (buffered.length < 4) return;
  const size = buffered.readInt32BE(0);
  if (buffered.length < 4 + size) return;
  const response = buffered.subarray(4, 4 + size);
  buffered = buffered.subarray(4 + size);
  if (step === 0) {
    // correlation id (4), error code (2)
    const error = response.readInt16BE(4);
    if (error !== 0) return fail(`ApiVersions error ${error}`);
    step = 1;
    // Metadata v1 with a null topic array: all topics.
    const body = Buffer.alloc(4);
    body.writeInt32BE(-1);
    socket.write(request(3, 1, 2, body));
  } else {
    // correlation id (4), brokers array length (4)
    const brokers = response.readInt32BE(4);
    if (brokers < 1) return fail('Metadata lists no broker yet');
    clearTimeout(timer);
    socket.end();
    process.exit(0);
  }
});
