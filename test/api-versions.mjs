// Prints the APIs a Kafka broker advertises, as JSON {"apiKey": [minVersion, maxVersion]}: one
// ApiVersions v0 request (which every broker since 0.10 answers) over a raw socket, so it needs
// neither the library under test nor a build. Used by test/broker-api.ts, which runs it as a
// child process so that test files can decide what to skip while they are being collected.
// Usage: node test/api-versions.mjs HOST:PORT [timeoutMs]; exit 1 (reason on stderr) on failure.
import { connect } from 'node:net';

const [hostPort, timeoutArg] = process.argv.slice(2);
const match = /^(.+):(\d+)$/.exec(hostPort ?? '');
if (!match) {
  console.error('usage: api-versions.mjs HOST:PORT [timeoutMs]');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg ?? 5000);
const socket = connect({ host: match[1], port: Number(match[2]) });
const fail = (why) => {
  console.error(`ApiVersions from ${hostPort}: ${why}`);
  process.exit(1);
};
const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
let buffered = Buffer.alloc(0);

socket.on('error', (e) => fail(e.message));
socket.on('connect', () => {
  // Request header v1: api key 18 (ApiVersions), version 0, correlation id, client id; empty body.
  const clientId = Buffer.from('octokafka-tests');
  const header = Buffer.alloc(14);
  header.writeInt32BE(10 + clientId.length, 0);
  header.writeInt16BE(18, 4);
  header.writeInt16BE(0, 6);
  header.writeInt32BE(1, 8);
  header.writeInt16BE(clientId.length, 12);
  socket.write(Buffer.concat([header, clientId]));
});
socket.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
  // Response v0: size, correlation id, error code, [api key, min version, max version].
  const errorCode = buffered.readInt16BE(8);
  if (errorCode !== 0) fail(`error code ${errorCode}`);
  const apis = {};
  for (let i = 0, at = 14; i < buffered.readInt32BE(10); i++, at += 6) {
    apis[buffered.readInt16BE(at)] = [buffered.readInt16BE(at + 2), buffered.readInt16BE(at + 4)];
  }
  clearTimeout(timer);
  socket.destroy();
  console.log(JSON.stringify(apis));
});
