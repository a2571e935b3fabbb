/**
 * A TCP proxy in front of a real Kafka broker that makes clients see an older broker: it
 * rewrites the broker's ApiVersions answer to the API versions Apache Kafka 2.1.0 offered
 * (intersected with the real broker's), so librdkafka picks the requests it would send to a
 * 2.1 broker, and the real broker serves them (Kafka 4 still accepts every version a 2.1
 * broker knew that librdkafka uses, KIP-896).
 *
 * Why not `api.version.request=false` with `broker.version.fallback=2.1.0`: librdkafka maps
 * every fallback from 0.10 on to "ask the broker" and sends ApiVersions anyway
 * (rd_kafka_get_legacy_ApiVersions), so the client still sees a 4.x broker.
 *
 * Addresses: Metadata and FindCoordinator answers name the broker's own port; the proxy puts
 * its own there (same host, same length, so the frame size does not change) so that every
 * connection goes through it. It caps those two APIs at versions without flexible encoding
 * (Metadata v7, FindCoordinator v2, as Kafka 2.1 had) and refuses to pass anything it could
 * not rewrite. PLAINTEXT only. It can also lose Produce answers on purpose (loseProduceAnswers),
 * for the idempotence tests of test/client/real-broker.test.ts.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Highest version of each API Apache Kafka 2.1.0 served (absent: the API came later). */
export const KAFKA_2_1_MAX_VERSIONS: Readonly<Record<number, number>> = {
  0: 7, // Produce
  1: 10, // Fetch
  2: 4, // ListOffsets
  3: 7, // Metadata
  8: 6, // OffsetCommit
  9: 5, // OffsetFetch
  10: 2, // FindCoordinator
  11: 3, // JoinGroup
  12: 2, // Heartbeat
  13: 2, // LeaveGroup
  14: 2, // SyncGroup
  15: 2, // DescribeGroups
  16: 2, // ListGroups (no states filter: KIP-518 is v4, Kafka 2.6)
  17: 1, // SaslHandshake
  18: 3, // ApiVersions (kept: the handshake already happened in v3)
  19: 3, // CreateTopics (no "broker default" -1: KIP-464 is v4, Kafka 2.4)
  20: 3, // DeleteTopics
  21: 1, // DeleteRecords
  22: 1, // InitProducerId
  23: 2, // OffsetForLeaderEpoch
  24: 1, // AddPartitionsToTxn
  25: 1, // AddOffsetsToTxn
  26: 1, // EndTxn
  28: 2, // TxnOffsetCommit
  29: 1, // DescribeAcls
  30: 1, // CreateAcls
  31: 1, // DeleteAcls
  32: 2, // DescribeConfigs
  33: 1, // AlterConfigs (IncrementalAlterConfigs, 44, is Kafka 2.3)
  36: 0, // SaslAuthenticate
  37: 1, // CreatePartitions
  42: 1, // DeleteGroups
};

const PRODUCE = 0;
const API_VERSIONS = 18;
const METADATA = 3;
const FIND_COORDINATOR = 10;
const CONSUMER_GROUP_DESCRIBE = 69;

/** A running proxy. */
export interface OldBrokerProxy {
  bootstrapServers: string;
  /** Every request that went through: API key and version. */
  requests: Array<{ apiKey: number; version: number }>;
  /** Problems the proxy met (an answer it could not rewrite); a test asserts this stays empty. */
  problems: string[];
  /** Produce answers lost on purpose (see {@link ProxyOptions.loseProduceAnswers}). */
  lostProduceAnswers: number;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 in front of `target` (`host:port` of a PLAINTEXT listener). */
/** Options of {@link startOldBrokerProxy}. */
export interface ProxyOptions {
  /**
   * Caps of the APIs to narrow; the others are offered as the broker offers them. Default:
   * Kafka 2.1's table, every API not in it removed. Metadata must be capped at 8 and
   * FindCoordinator at 2 at most (the proxy rewrites their addresses in those versions).
   */
  maxVersions?: Readonly<Record<number, number>>;
  /**
   * Puts this error code into the first group of the next `times` ConsumerGroupDescribe
   * answers (a coordinator that is not ready yet, for example).
   */
  failGroupDescribe?: { code: number; times: number };
  /**
   * Loses the broker's answer to each of the next `times` Produce requests: the broker stored
   * the batch, and the proxy cuts the connection instead of passing the answer on, so the
   * client retries a batch the broker already has (what the idempotence sequence check is for).
   */
  loseProduceAnswers?: { times: number };
}

export async function startOldBrokerProxy(target: string, options: ProxyOptions = {}): Promise<OldBrokerProxy> {
  const given = options.maxVersions;
  const cap = given ? (key: number) => given[key] : (key: number) => KAFKA_2_1_MAX_VERSIONS[key] ?? -1;
  let failures = options.failGroupDescribe?.times ?? 0;
  let toLose = options.loseProduceAnswers?.times ?? 0;
  const [host, portText] = splitHostPort(target);
  // The broker's answers carry its own host: the proxy listens on that same address.
  if (host !== '127.0.0.1') throw new Error(`the old-broker proxy needs a broker on 127.0.0.1, not ${host}`);
  const brokerPort = Number(portText);
  const sockets = new Set<Socket>();
  const requests: OldBrokerProxy['requests'] = [];
  const problems: string[] = [];
  let proxyPort = 0;

  const server: Server = createServer((client) => {
    const upstream = connect(brokerPort, host);
    sockets.add(client).add(upstream);
    // Requests whose answers need rewriting, by correlation id.
    const pending = new Map<number, { apiKey: number; version: number }>();
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    frames(client, (frame) => {
      const apiKey = frame.readInt16BE(4);
      const version = frame.readInt16BE(6);
      requests.push({ apiKey, version });
      if (apiKey === API_VERSIONS || apiKey === METADATA || apiKey === FIND_COORDINATOR || apiKey === CONSUMER_GROUP_DESCRIBE || (apiKey === PRODUCE && toLose > 0)) {
        pending.set(frame.readInt32BE(8), { apiKey, version });
      }
      upstream.write(frame);
    });
    frames(upstream, (frame) => {
      const request = pending.get(frame.readInt32BE(4));
      if (request) {
        pending.delete(frame.readInt32BE(4));
        if (request.apiKey === PRODUCE) {
          if (toLose > 0) {
            toLose--;
            proxy.lostProduceAnswers++;
            end();
            return;
          }
          client.write(frame);
          return;
        }
        try {
          if (request.apiKey === CONSUMER_GROUP_DESCRIBE) {
            if (failures > 0) {
              failures--;
              failFirstGroup(frame, options.failGroupDescribe!.code);
            }
          } else rewrite(frame, request.apiKey, request.version, brokerPort, proxyPort, cap);
        } catch (e) {
          problems.push(`${(e as Error).message} (api ${request.apiKey} v${request.version})`);
          end();
          return;
        }
      }
      client.write(frame);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxyPort = (server.address() as AddressInfo).port;
  const proxy: OldBrokerProxy = {
    bootstrapServers: `127.0.0.1:${proxyPort}`,
    requests,
    problems,
    lostProduceAnswers: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

function splitHostPort(hostPort: string): [string, string] {
  const first = hostPort.split(',')[0]!.replace(/^[A-Z_]+:\/\//, '');
  const i = first.lastIndexOf(':');
  return [first.slice(0, i), first.slice(i + 1)];
}

/** Calls `onFrame` with each size-prefixed Kafka frame read from `socket` (size included). */
function frames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const size = 4 + buffered.readInt32BE(0);
      onFrame(Buffer.from(buffered.subarray(0, size)));
      buffered = buffered.subarray(size);
    }
  });
}

/** Reads an unsigned varint at `at`; returns [value, next offset]. */
function uvarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[at++]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

/**
 * Sets the error code of the first group of a ConsumerGroupDescribe answer (flexible: header
 * with tagged fields, throttle_time_ms, a compact array of groups whose first field is the code).
 */
function failFirstGroup(frame: Buffer, code: number): void {
  let at = 8;
  at = skipTags(frame, at);
  at += 4; // throttle_time_ms
  const [groups, next] = uvarint(frame, at);
  if (groups - 1 < 1) throw new Error('ConsumerGroupDescribe answer without groups');
  frame.writeInt16BE(code, next);
}

/**
 * Rewrites an answer in place (every change keeps the frame's size). Response header v0: size,
 * correlation id. `cap` gives an API's highest offered version (-1: not offered; undefined:
 * unchanged).
 */
function rewrite(frame: Buffer, apiKey: number, version: number, brokerPort: number, proxyPort: number, cap: (key: number) => number | undefined): void {
  let at = 8;
  if (apiKey === API_VERSIONS) {
    if (frame.readInt16BE(at) !== 0) return; // an error answer: the client asks again
    at += 2;
    let count: number;
    if (version >= 3) {
      [count, at] = uvarint(frame, at);
      count -= 1;
    } else {
      count = frame.readInt32BE(at);
      at += 4;
    }
    for (let i = 0; i < count; i++) {
      const key = frame.readInt16BE(at);
      const min = frame.readInt16BE(at + 2);
      const max = frame.readInt16BE(at + 4);
      const limit = cap(key);
      if (limit === undefined) {
        at += 6;
        if (version >= 3) at = skipTags(frame, at);
        continue;
      }
      const newMax = Math.min(max, limit);
      if (newMax < min) {
        // Not offered: librdkafka treats an API whose maximum is below every version it
        // knows as absent.
        frame.writeInt16BE(-1, at + 2);
        frame.writeInt16BE(-1, at + 4);
      } else frame.writeInt16BE(newMax, at + 4);
      at += 6;
      if (version >= 3) at = skipTags(frame, at);
    }
    return;
  }
  if (apiKey === METADATA) {
    if (version > 8) throw new Error('Metadata answer in a flexible version');
    if (version >= 3) at += 4; // throttle_time_ms
    const brokers = frame.readInt32BE(at);
    at += 4;
    for (let i = 0; i < brokers; i++) {
      at += 4; // node_id
      at += 2 + frame.readInt16BE(at); // host
      if (frame.readInt32BE(at) === brokerPort) frame.writeInt32BE(proxyPort, at);
      at += 4;
      if (version >= 1) {
        const rack = frame.readInt16BE(at);
        at += 2 + Math.max(rack, 0);
      }
    }
    return;
  }
  if (apiKey === FIND_COORDINATOR) {
    if (version > 2) throw new Error('FindCoordinator answer in a flexible version');
    if (version >= 1) at += 4; // throttle_time_ms
    at += 2; // error_code
    if (version >= 1) {
      const message = frame.readInt16BE(at);
      at += 2 + Math.max(message, 0);
    }
    at += 4; // node_id
    at += 2 + frame.readInt16BE(at); // host
    if (frame.readInt32BE(at) === brokerPort) frame.writeInt32BE(proxyPort, at);
  }
}

function skipTags(frame: Buffer, at: number): number {
  let count: number;
  [count, at] = uvarint(frame, at);
  for (let i = 0; i < count; i++) {
    let size: number;
    [, at] = uvarint(frame, at);
    [size, at] = uvarint(frame, at);
    at += size;
  }
  return at;
}
