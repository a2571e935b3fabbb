/**
 * Loads the native addon: the per-platform package's binary first (octokafka-<os>-<arch>-<libc>,
 * an optional dependency of a release), then through node-gyp-build a source build in
 * build/Release (npm builds one where no prebuilt binary fits), else the prebuilt binary in
 * prebuilds/; and describes its surface. Loading is lazy so that the pure-TypeScript parts of the
 * package (configuration, components, wire format) work without touching native code.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { KafkaError, isRetriableCode, type KafkaErrorInit } from '../util/errors';

/** A delivery-report batch: one entry per message, in typed arrays. */
export interface NativeDeliveries {
  ids: Float64Array;
  partitions: Int32Array;
  errors: Int32Array;
  offsets: BigInt64Array;
  timestamps: Float64Array;
  /** rd_kafka_message_status() per message: 0 not persisted, 1 possibly persisted, 2 persisted. */
  statuses: Uint8Array;
}

/** A consumed-message batch: fixed fields in typed arrays, keys, values and header values in one Buffer. */
export interface NativeMessages {
  count: number;
  topics: string[];
  /** 8 int32 per message: topic index, partition, key start, key length (-1: null),
   * value start, value length (-1: null), first header row (-1: none), error code. */
  layout: Int32Array;
  offsets: BigInt64Array;
  timestamps: Float64Array;
  buffer: Buffer;
  /** 4 int32 per header: name index (into headerNames), value start, value length (-1: null),
   * and the number of headers of its message. A message's headers are consecutive rows. */
  headerRows: Int32Array;
  /** The batch's distinct header names. */
  headerNames: string[];
}

/** A typed event from the native side; `at` orders it among the batch's messages. */
export type NativeEvent =
  | { type: 'log'; at: number; level: number; facility: string; message: string }
  | { type: 'error'; at: number; error: KafkaErrorInit }
  | { type: 'stats'; at: number; json: string }
  | { type: 'oauthbearer-refresh'; at: number; config: string }
  | {
      type: 'rebalance';
      at: number;
      kind: 'assign' | 'revoke' | 'lost';
      protocol: string;
      token: number;
      /** How long the native side waits for the hooks before it goes on without them. */
      timeoutMs: number;
      partitions: NativePartition[];
    }
  /** The hooks of rebalance `token` did not settle in `timeoutMs`: the rebalance went on. */
  | { type: 'rebalance-timeout'; at: number; kind: 'assign' | 'revoke' | 'lost'; token: number; timeoutMs: number }
  | { type: 'commit'; at: number; error?: KafkaErrorInit; offsets: NativePartition[] }
  /** Messages of these partitions (all when null) handed over before this point are stale. */
  | { type: 'dropped'; at: number; partitions: NativePartition[] | null };

export interface NativePartition {
  topic: string;
  partition: number;
  offset: bigint;
  error?: KafkaErrorInit;
}

export type OnBatch = (
  deliveries: NativeDeliveries | null,
  messages: NativeMessages | null,
  events: NativeEvent[] | null,
) => void;

export interface NativeProducer {
  setOAuthBearerToken(token: string, expiresAtMs: number, principal: string, extensions: string[]): void;
  setOAuthBearerTokenFailure(message: string): void;
  /**
   * Enqueues messages[from..to) with ids firstId + i - from; returns [enqueued, error
   * code or 0]. Throws a TypeError (with `enqueuedBeforeError`) for a malformed message.
   */
  /** One message; returns an error code or 0. Throws a TypeError for a malformed field. */
  produce(
    topic: unknown,
    partition: unknown,
    key: unknown,
    value: unknown,
    headers: unknown,
    timestamp: unknown,
    id: number,
  ): number;
  produceBatch(messages: readonly object[], from: number, to: number, firstId: number): [number, number];
  /**
   * The batch fast path: `count` messages of one topic whose keys and values are packed in
   * `arena` (5 int32 per message in `layout`: partition or -1, key offset, key length or
   * -1, value offset, value length or -1), their headers' names and values too (see
   * headerRows). librdkafka reads keys and values from the arena without copying.
   */
  produceArena(
    topic: string,
    arena: Buffer,
    layout: Int32Array,
    count: number,
    firstId: number,
    timestamps: Float64Array | null,
    /** 4 int32 per header: name offset, name length, value offset, value length (-1: null). */
    headerRows: Int32Array | null,
    /** 2 int32 per message: first row in headerRows, number of headers. */
    headerSpans: Int32Array | null,
  ): [number, number];
  flush(timeoutMs: number): Promise<{ remaining: number; timedOut: boolean }>;
  initTransactions(timeoutMs: number): Promise<void>;
  beginTransaction(): Promise<void>;
  sendOffsetsToTransaction(offsets: NativePartitionInput[], consumer: NativeConsumer, timeoutMs: number): Promise<void>;
  commitTransaction(timeoutMs: number): Promise<void>;
  abortTransaction(timeoutMs: number): Promise<void>;
  outQueueLength(): number;
  /** Fails the messages still queued (never sent) with _PURGE_QUEUE delivery reports; false after close. */
  purgeQueued(): boolean;
  close(flushTimeoutMs: number): Promise<void>;
  ref(ref: boolean): void;
  name(): string | undefined;
}

export interface NativeConsumer {
  setOAuthBearerToken(token: string, expiresAtMs: number, principal: string, extensions: string[]): void;
  setOAuthBearerTokenFailure(message: string): void;
  subscribe(topics: string[]): Promise<void>;
  unsubscribe(): Promise<void>;
  assign(partitions: NativePartitionInput[]): Promise<void>;
  unassign(): Promise<void>;
  incrementalAssign(partitions: NativePartitionInput[]): Promise<void>;
  incrementalUnassign(partitions: NativePartitionInput[]): Promise<void>;
  assignment(): Promise<NativePartition[]>;
  commit(offsets: NativePartitionInput[] | null, async: boolean, timeoutMs: number): Promise<NativePartition[] | undefined>;
  storeOffsets(offsets: NativePartitionInput[]): void;
  committed(partitions: NativePartitionInput[], timeoutMs: number): Promise<NativePartition[]>;
  position(partitions: NativePartitionInput[]): Promise<NativePartition[]>;
  seek(partitions: NativePartitionInput[]): Promise<void>;
  pause(partitions: NativePartitionInput[]): Promise<void>;
  resume(partitions: NativePartitionInput[]): Promise<void>;
  queryWatermarks(topic: string, partition: number, timeoutMs: number): Promise<{ low: bigint; high: bigint }>;
  offsetsForTimes(partitions: NativePartitionInput[], timeoutMs: number): Promise<NativePartition[]>;
  rebalanceDone(token: number): void;
  /** The JS side took every message handed over so far: the next ones may be handed over. */
  wantMessages(): void;
  setFlow(on: boolean): void;
  setLimits(maxMessages: number, maxBytes: number): void;
  /** Resolves with timedOut true when leaving the group outlasted `timeoutMs` (the rest goes on in the background). */
  close(timeoutMs?: number): Promise<{ timedOut: boolean }>;
  ref(ref: boolean): void;
  name(): string | undefined;
  /** The group membership as librdkafka holds it: '' and -1 when not a member. */
  groupMetadata(): { memberId: string; generationId: number };
}

export interface NativePartitionInput {
  topic: string;
  partition: number;
  offset?: bigint | number;
}

export interface NativeMockCluster {
  bootstraps(): string;
  createTopic(name: string, partitions: number, replicationFactor: number): Promise<void>;
  brokerDown(id: number): Promise<void>;
  brokerUp(id: number): Promise<void>;
  brokerRtt(id: number, rttMs: number): Promise<void>;
  pushRequestErrors(apiKey: number, errors: number[]): Promise<void>;
  partitionLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  coordinator(keyType: 'group' | 'transaction', key: string, brokerId: number): Promise<void>;
  topicError(topic: string, error: number): Promise<void>;
  close(): Promise<void>;
  ref(ref: boolean): void;
}

export interface NativeBinding {
  Producer: new (config: Record<string, string>, onBatch: OnBatch, options?: { oauthbearer?: boolean }) => NativeProducer;
  Consumer: new (
    config: Record<string, string>,
    onBatch: OnBatch,
    options?: { oauthbearer?: boolean; keepAlive?: boolean; rebalanceTimeoutMs?: number },
  ) => NativeConsumer;
  MockCluster: new (brokers: number, onBatch: OnBatch, partitionMaxBytes?: number) => NativeMockCluster;
  librdkafkaVersion: string;
  features: string;
  errorName(code: number): string;
  errorString(code: number): string;
}

let binding: NativeBinding | undefined;

/** The package root: the closest folder above this file with octokafka's package.json. */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'octokafka') {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`octokafka: package root not found above ${__dirname}`);
  }
}

/** This process's platform as a prebuild is chosen for it: os, arch, libc (+ version), Node ABIs. */
export function platformDescription(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const glibc = header?.glibcVersionRuntime;
  const libc = glibc ? `glibc ${glibc}` : process.platform === 'linux' ? 'musl (no glibc found)' : 'system libc';
  return (
    `${process.platform}-${process.arch}, ${libc}, Node.js ${process.versions.node} ` +
    `(ABI ${process.versions.modules}, Node-API ${process.versions.napi ?? 'unknown'})`
  );
}

/**
 * The error for "no prebuilt binary fits and none was built": says which platform this is and
 * what to do, since the usual cause is install scripts being off (--ignore-scripts, an .npmrc
 * setting, or a package manager that blocks dependencies' build scripts), which skipped the
 * source build that would otherwise have run.
 */
export function noBinaryError(root: string, cause: unknown): Error {
  const prebuilds = join(root, 'prebuilds');
  const shipped = existsSync(prebuilds)
    ? readdirSync(prebuilds, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.node'))
        .join(', ') || 'none'
    : 'none';
  const message = [
    `octokafka: no native binary for this platform: ${platformDescription()}.`,
    `No platform package ${platformPackageName()} installed (published for linux-x64 and linux-arm64, glibc and musl;`,
    '  npm installs it unless optional dependencies are off: --omit=optional, --no-optional).',
    `Prebuilt binaries in ${prebuilds}: ${shipped}; no source build in ${join(root, 'build/Release')}.`,
    'Build it from source:',
    '  1. the build packages (Debian/Ubuntu, as root): bash node_modules/octokafka/scripts/install-system-deps.sh',
    '     (build-essential cmake patch python3 libssl-dev libzstd-dev zlib1g-dev ca-certificates);',
    "  2. allow octokafka's install script and run it: npm rebuild octokafka --foreground-scripts",
    '     (if install scripts are disabled: remove --ignore-scripts / ignore-scripts=true, or allow octokafka in',
    "     your package manager's list of packages that may run build scripts).",
    'See docs/platforms.md in the package for the platforms with prebuilt binaries.',
  ].join('\n');
  return new Error(message, { cause });
}

/** True on a Linux whose C library is musl (Alpine): the runtime reports no glibc. */
function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    return !header?.glibcVersionRuntime;
  } catch {
    return false; // a runtime without process.report: assume glibc, the common case
  }
}

/**
 * The name of the optional package that carries this platform's binary
 * (octokafka-<os>-<arch>-<gnu|musl>; the released package lists them as optionalDependencies,
 * and npm installs only the one whose os, cpu and libc fields match).
 */
export function platformPackageName(): string {
  const libc = process.platform === 'linux' ? (isMusl() ? '-musl' : '-gnu') : '';
  return `octokafka-${process.platform}-${process.arch}${libc}`;
}

/** Where the loaded binary came from (a file path), once native() has loaded it. */
export let nativeBinaryPath: string | undefined;

/** The platform package's binary, resolved from the package root; undefined when not installed. */
function platformPackageBinary(root: string): string | undefined {
  try {
    return require.resolve(`${platformPackageName()}/octokafka.node`, { paths: [root] });
  } catch {
    return undefined;
  }
}

/** The native addon, loaded on first use. */
export function native(): NativeBinding {
  if (!binding) {
    const root = packageRoot();
    // 1. The per-platform package (OCTOKAFKA_SKIP_PLATFORM_PACKAGE=1 skips it, to test the rest).
    let platformError: unknown;
    const platformFile = process.env.OCTOKAFKA_SKIP_PLATFORM_PACKAGE ? undefined : platformPackageBinary(root);
    if (platformFile) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        binding = require(platformFile) as NativeBinding;
        nativeBinaryPath = platformFile;
        return binding;
      } catch (e) {
        platformError = e; // e.g. a libc too old for it: a source build may still be there
      }
    }
    // 2. node-gyp-build: build/Release (a source build) or the in-package prebuilds/.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const gypBuild = require('node-gyp-build') as ((dir: string) => NativeBinding) & { resolve?: (dir: string) => string };
    try {
      binding = gypBuild(root);
      nativeBinaryPath = gypBuild.resolve?.(root);
    } catch (e) {
      // node-gyp-build's own message lists tags, not what to do; other load errors (a binary that
      // does not load) keep their message.
      const cause = platformError ? new Error(`${platformFile} did not load either`, { cause: platformError }) : e;
      if (e instanceof Error && e.message.startsWith('No native build was found')) throw noBinaryError(root, cause);
      throw e;
    }
  }
  return binding;
}

/** Turns an error object from the native side (or a bare code) into a KafkaError. */
export function nativeError(e: KafkaErrorInit | number, context?: string): KafkaError {
  const init: KafkaErrorInit =
    typeof e === 'number' ? { code: e, name: native().errorName(e), message: native().errorString(e) } : e;
  const message = context ? `${context}: ${init.message}` : init.message;
  // librdkafka's verdict when the native side has one (an rd_kafka_error_t), else the table.
  const retriable = init.retriable ?? isRetriableCode(init.code);
  return new KafkaError({ ...init, message, retriable });
}
