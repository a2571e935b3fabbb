/**
 * The control channel of a mock cluster running in its own process (`octokafka mock`).
 *
 * librdkafka's mock brokers do not serve CreateTopics, so a client in another process could
 * not create topics with a chosen partition count. The mock process therefore listens on a
 * Unix socket per broker, `<tmpdir>/octokafka-mock-<port>.sock`, named after the broker's
 * port, so that a client that knows only `bootstrap.servers` finds it. Requests and answers
 * are one JSON line each, one request per connection:
 *
 *   {"op":"info"}                                          → {"brokers":3}
 *   {"op":"createTopic","topic":"t","partitions":3,"replicationFactor":1} → {"ok":true}
 *   any failure                                            → {"error":{"code":36,"message":"..."}}
 *
 * Only local addresses are looked up; a socket file nobody listens on any more (a mock
 * process that was killed) is ignored.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ErrorCode, KafkaError } from '../util/errors';
import { registerMockProcesses, type MockTopicCreator } from '../core/mock-registry';

/**
 * The cluster a control socket serves: a MockCluster, seen through what the socket needs of it.
 * Not the class itself: mock-cluster.ts imports this module (so that loading the mock registers
 * findMockProcess), and importing it back would be a cycle.
 */
type ServedCluster = MockTopicCreator & { readonly bootstrapServers: string };

/** The socket path of the mock broker listening on `port`. */
export function mockControlPath(port: number): string {
  return join(tmpdir(), `octokafka-mock-${port}.sock`);
}

/** Local `host:port` addresses of a bootstrap list, as ports. */
function localPorts(bootstrapServers: string): number[] {
  const ports: number[] = [];
  for (const raw of bootstrapServers.split(',')) {
    const address = raw.trim().toLowerCase().replace(/^[a-z_]+:\/\//, '');
    const m = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(address);
    if (m) ports.push(Number(m[2]));
  }
  return ports;
}

/** Sends one request and reads one answer line. */
function request(path: string, body: object, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection(path);
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(body)}\n`));
    socket.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(text.slice(0, nl)) as Record<string, unknown>);
      } catch (e) {
        reject(e as Error);
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`${path} closed without an answer`));
    });
  });
}

function answerError(answer: Record<string, unknown>): KafkaError | undefined {
  const e = answer.error as { code?: unknown; message?: unknown } | undefined;
  if (e === undefined) return undefined;
  return new KafkaError({ code: typeof e.code === 'number' ? e.code : ErrorCode.FAIL, message: String(e.message) });
}

/**
 * The mock process behind a bootstrap list, when one of its addresses is a local
 * `octokafka mock` that answers on its control socket; undefined otherwise.
 */
export async function findMockProcess(bootstrapServers: string, timeoutMs = 2_000): Promise<MockTopicCreator | undefined> {
  for (const port of localPorts(bootstrapServers)) {
    const path = mockControlPath(port);
    if (!existsSync(path)) continue;
    let answer: Record<string, unknown>;
    try {
      answer = await request(path, { op: 'info' }, timeoutMs);
    } catch {
      continue; // a stale socket file
    }
    const brokers = answer.brokers;
    if (typeof brokers !== 'number') continue;
    return {
      brokers,
      async createTopic(name, partitions, replicationFactor) {
        const reply = await request(path, { op: 'createTopic', topic: name, partitions, replicationFactor }, timeoutMs);
        const error = answerError(reply);
        if (error) throw error;
      },
    };
  }
  return undefined;
}

/** The control sockets of a mock cluster; `close()` removes them. */
export interface MockControlServer {
  readonly paths: string[];
  close(): Promise<void>;
}

async function handle(cluster: ServedCluster, line: string): Promise<object> {
  let body: { op?: unknown; topic?: unknown; partitions?: unknown; replicationFactor?: unknown };
  try {
    body = JSON.parse(line) as typeof body;
  } catch {
    return { error: { code: ErrorCode.INVALID_ARG, message: 'the request is not JSON' } };
  }
  try {
    switch (body.op) {
      case 'info':
        return { brokers: cluster.brokers };
      case 'createTopic':
        await cluster.createTopic(body.topic as string, body.partitions as number, body.replicationFactor as number);
        return { ok: true };
      default:
        return { error: { code: ErrorCode.INVALID_ARG, message: `unknown op ${JSON.stringify(body.op)}` } };
    }
  } catch (e) {
    const code = e instanceof KafkaError ? e.code : ErrorCode.INVALID_ARG;
    return { error: { code, message: (e as Error).message } };
  }
}

/**
 * Serves the control requests of `cluster` on one socket per broker. A leftover socket
 * file of the same path (a killed mock process that had the same port) is replaced.
 */
export async function serveMockControl(cluster: ServedCluster): Promise<MockControlServer> {
  const servers: Server[] = [];
  const paths: string[] = [];
  for (const port of localPorts(cluster.bootstrapServers)) {
    const path = mockControlPath(port);
    const server = createServer((socket) => {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('error', () => undefined); // a client that went away
      socket.on('data', (chunk: string) => {
        text += chunk;
        const nl = text.indexOf('\n');
        if (nl < 0) return;
        const line = text.slice(0, nl);
        text = '';
        void handle(cluster, line).then((answer) => socket.end(`${JSON.stringify(answer)}\n`));
      });
    });
    if (existsSync(path)) unlinkSync(path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    // Only this user may create topics on this cluster.
    chmodSync(path, 0o600);
    // The cluster process keeps running because of its cluster, not because of these sockets.
    server.unref();
    servers.push(server);
    paths.push(path);
  }
  return {
    paths,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      for (const path of paths) {
        try {
          unlinkSync(path);
        } catch {
          // already gone (removed by hand, or replaced by a newer mock on the same port)
        }
      }
    },
  };
}

// KafkaAdmin (a lower layer, which must not import the mock) creates topics on an
// `octokafka mock` process through the registry.
registerMockProcesses(findMockProcess);
