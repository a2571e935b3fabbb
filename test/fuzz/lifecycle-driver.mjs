// @ts-check
/**
 * Lifecycle fuzz: a seeded PRNG picks thousands of operations over several producers,
 * consumers, admin clients, topic-layer drivers/producers/consumers and mock-cluster faults,
 * launched concurrently (create, connect, send, consume, iterate, pause, seek, commit, close,
 * close twice, calls after close, handlers that throw). It checks, for every operation:
 *
 * - its promise settles (each is tracked; at the end, after every client was closed, any
 *   promise still pending past the deadline is reported with its operation and step);
 * - it fails only with a typed error (a KafkaError or one of its subclasses; the fuzz's own
 *   HandlerFault when a handler it installed threw) — never a TypeError or a crash;
 * - a call on a client that was already closed rejects with ClosedError (or returns the
 *   documented empty result: `consume` → null, `consumeBatch` → [], iteration ends);
 * - results have the documented shape (reports and messages with bigint offsets, batch sizes);
 * - `error` events carry KafkaErrors; nothing reaches `unhandledRejection` /
 *   `uncaughtException`;
 * - after the run, a fresh producer and consumer still round-trip a message.
 *
 * The same module runs in the main thread and as a worker_threads script (it loads the
 * built library from dist/cjs, so every thread uses one copy of the classes), and holds
 * the session orchestrator used by test/native/lifecycle-fuzz.test.ts and scripts/fuzz-lifecycle.mjs:
 * main thread + N workers on one shared MockCluster (each worker also runs its own), plus a
 * worker terminated in the middle of its operations.
 *
 * Operation choices are drawn synchronously when an operation is launched, and client state
 * that steers later choices (open / closed) changes synchronously too, so a seed reproduces
 * the sequence of operations; how they interleave with I/O is up to the machine.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** This file, to start workers with. */
export const DRIVER_PATH = fileURLToPath(import.meta.url);
const root = join(dirname(DRIVER_PATH), '..', '..');

/**
 * The built library (dist/cjs): one copy of every class per thread, shared by the test,
 * the script and the workers.
 * @returns {any}
 */
export function loadLibrary() {
  return createRequire(import.meta.url)(join(root, 'dist', 'cjs', 'index.js'));
}

// ---------------------------------------------------------------- PRNG

/**
 * A small seeded PRNG (xorshift32 over a splitmix-scrambled seed): fast, deterministic,
 * and good enough to choose fuzz operations.
 * @param {number} seed
 */
export function prng(seed) {
  let z = (seed >>> 0) + 0x9e3779b9;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  let s = (z ^ (z >>> 16)) >>> 0 || 0x6d2b79f5;
  const u32 = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    u32,
    /** @param {number} n @returns {number} 0..n-1 */
    int: (n) => u32() % n,
    /** @param {number} a @param {number} b @returns {number} a..b */
    range: (a, b) => a + (u32() % (b - a + 1)),
    /** @param {number} p */
    chance: (p) => u32() / 2 ** 32 < p,
    /** @template T @param {readonly T[]} list @returns {T} */
    pick: (list) => /** @type {T} */ (list[u32() % list.length]),
  };
}

/** @typedef {ReturnType<typeof prng>} Rng */

// ---------------------------------------------------------------- tracking

/** The error a fuzz-installed handler throws on purpose. */
export class HandlerFault extends Error {
  constructor() {
    super('handler fault injected by the lifecycle fuzz');
    this.name = 'HandlerFault';
  }
}

/**
 * @typedef {object} Entry
 * @property {string} op
 * @property {number} step
 * @property {boolean} settled
 * @property {boolean} long  an operation that may legitimately wait until its client closes
 * @property {Promise<unknown>} promise
 */

/**
 * @typedef {object} ThreadReport
 * @property {string} thread
 * @property {number} seed
 * @property {number} steps
 * @property {Record<string, number>} ops           operations launched, by name
 * @property {Record<string, number>} errors        typed failures, by `Class:codeName`
 * @property {number} tracked                       promises tracked
 * @property {number} settled                       promises settled by the deadline
 * @property {Array<{ op: string, step: number }>} hanging
 * @property {string[]} violations                  untyped errors, wrong after-close behaviour, bad results
 * @property {number} errorEvents                   `error` events (all KafkaErrors unless listed in violations)
 * @property {number} afterClose                    calls made on closed clients (each checked)
 * @property {boolean} sanity                       a fresh producer/consumer round-trip worked afterwards
 * @property {number} durationMs
 */

// ---------------------------------------------------------------- the fuzz of one thread

const TOPICS = [
  { name: 'fz-a', partitions: 3 },
  { name: 'fz-b', partitions: 1 },
];

/**
 * @typedef {object} FuzzOptions
 * @property {number} seed
 * @property {number} steps
 * @property {string} thread                  a label for reports
 * @property {any} [cluster]                  the MockCluster this thread owns and may fault (default: one is started)
 * @property {string} [shared]                bootstrap servers of a cluster shared with other threads
 * @property {number} [settleDeadlineMs]      how long promises get to settle once everything is closed
 * @property {(step: number) => void} [onStep]
 * @property {RegExp} [only]                  run only the operations whose names match (creation always runs)
 * @property {(line: string) => void} [trace]  receives one line per operation launched (step, name, client)
 * @property {any} [lib]
 */

/**
 * Runs the fuzz in this thread.
 * @param {FuzzOptions} options
 * @returns {Promise<ThreadReport>}
 */
export async function runLifecycleFuzz(options) {
  const lib = options.lib ?? loadLibrary();
  const { KafkaProducer, KafkaConsumer, KafkaAdmin, MockCluster, Driver, KafkaError, ClosedError, ApiKey, Offset } = lib;
  const started = Date.now();
  const r = prng(options.seed);
  const ownCluster = options.cluster ?? (await MockCluster.start({ topics: TOPICS }));
  const own = ownCluster.bootstrapServers;
  const clusters = options.shared && options.shared !== own ? [own, options.shared] : [own];
  const tag = `${options.thread}-${options.seed}`;
  let serial = 0;
  const uniq = (/** @type {string} */ p) => `${p}-${tag}-${serial++}`;

  /** @type {Entry[]} */
  const entries = [];
  /** @type {Record<string, number>} */
  const ops = {};
  /** @type {Record<string, number>} */
  const errors = {};
  /** @type {string[]} */
  const violations = [];
  let errorEvents = 0;
  let afterClose = 0;
  let step = 0;

  const violation = (/** @type {string} */ what) => {
    if (violations.length < 200) violations.push(`[${options.thread} seed ${options.seed} step ${step}] ${what}`);
  };
  const describe = (/** @type {unknown} */ e) =>
    e instanceof Error ? `${e.constructor.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` : `non-error ${String(e)}`;

  /** Classifies a failure: typed errors are counted, anything else is a violation. */
  const classify = (/** @type {string} */ op, /** @type {number} */ at, /** @type {unknown} */ e, /** @type {boolean} */ handlerMayThrow) => {
    if (e instanceof KafkaError) {
      const k = `${e.constructor.name}:${e.codeName}`;
      errors[k] = (errors[k] ?? 0) + 1;
    } else if (handlerMayThrow && e instanceof HandlerFault) {
      errors.HandlerFault = (errors.HandlerFault ?? 0) + 1;
    } else {
      violation(`${op} (launched at step ${at}) failed with an untyped error: ${describe(e)}`);
    }
  };

  /**
   * Tracks a promise: it must settle, and fail only with a typed error.
   * @param {string} op
   * @param {Promise<unknown>} promise
   * @param {{ long?: boolean, handlerMayThrow?: boolean, at?: number }} [flags]
   */
  const track = (op, promise, flags = {}) => {
    /** @type {Entry} */
    const entry = { op, step: flags.at ?? step, settled: false, long: flags.long ?? false, promise };
    entries.push(entry);
    promise.then(
      () => {
        entry.settled = true;
      },
      (e) => {
        entry.settled = true;
        classify(op, entry.step, e, flags.handlerMayThrow ?? false);
      },
    );
    return promise;
  };

  /**
   * Runs an operation: a synchronous throw counts like a rejection.
   * @param {string} op
   * @param {() => unknown} fn
   * @param {{ long?: boolean, handlerMayThrow?: boolean }} [flags]
   */
  const launch = (op, fn, flags) => {
    ops[op] = (ops[op] ?? 0) + 1;
    options.trace?.(`${step} ${op} ${current}`);
    let p;
    try {
      p = Promise.resolve(fn());
    } catch (e) {
      p = Promise.reject(e);
    }
    track(op, p, flags);
  };

  const onErrorEvent = (/** @type {string} */ who) => (/** @type {unknown} */ e) => {
    errorEvents++;
    if (!(e instanceof KafkaError)) violation(`${who} emitted an 'error' event that is not a KafkaError: ${describe(e)}`);
  };

  // Nothing may escape: record what reaches the process-level handlers during the run.
  const onUnhandled = (/** @type {unknown} */ e) => violation(`unhandledRejection: ${describe(e)}`);
  const onUncaught = (/** @type {unknown} */ e) => violation(`uncaughtException: ${describe(e)}`);
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUncaught);

  // ---- client pools. Raw clients are created synchronously; topic-layer objects are
  // promises (their creation is asynchronous), closed flags are set when close is launched.

  /** The client the operation being launched works on (for traces). */
  let current = '';
  /** @typedef {{ id: string, client: any, servers: string, topics: typeof TOPICS }} RawSlot */
  /** @type {RawSlot[]} */ const producers = [];
  /** @type {RawSlot[]} */ const consumers = [];
  /** @type {RawSlot[]} */ const admins = [];
  /** @typedef {{ id: string, ready: Promise<any>, closed: boolean }} AsyncSlot */
  /** @type {AsyncSlot[]} */ const drivers = [];
  /** @type {Array<AsyncSlot & { driver: AsyncSlot, name: string }>} */ const topics = [];
  /** @type {Array<AsyncSlot & { topic: AsyncSlot }>} */ const tproducers = [];
  /** @type {Array<AsyncSlot & { topic: AsyncSlot }>} */ const tconsumers = [];

  const open = (/** @type {RawSlot[]} */ list) => list.filter((s) => !s.client.isClosed);
  const closedOnes = (/** @type {RawSlot[]} */ list) => list.filter((s) => s.client.isClosed);
  const live = (/** @type {AsyncSlot[]} */ list) => list.filter((s) => !s.closed);
  /** Marks an async slot closed once its creation failed (nothing to close then). */
  const settleSlot = (/** @type {AsyncSlot} */ slot) => slot.ready.catch(() => undefined);

  const pickTopic = (/** @type {RawSlot} */ s) => r.pick(s.topics);
  const pickPartition = (/** @type {RawSlot} */ s) => {
    const t = pickTopic(s);
    return { topic: t.name, partition: r.int(t.partitions) };
  };

  /** Checks a consumed message's shape. */
  const checkMessage = (/** @type {string} */ op, /** @type {any} */ m) => {
    if (m === null) return;
    if (typeof m.topic !== 'string' || !Number.isInteger(m.partition) || typeof m.offset !== 'bigint' || m.offset < 0n) {
      violation(`${op} returned a malformed message: ${String(m && m.topic)} [${String(m && m.partition)}] @ ${String(m && m.offset)}`);
    }
  };

  const messages = (/** @type {RawSlot} */ s, /** @type {number} */ n) => {
    const t = pickTopic(s);
    const keyed = r.chance(0.5);
    const withPartition = r.chance(0.3);
    const withHeaders = r.chance(0.2);
    const size = r.pick([0, 10, 100, 1000]);
    const value = Buffer.alloc(size, 0x61);
    return Array.from({ length: n }, (_, i) => ({
      topic: t.name,
      value: i % 17 === 16 ? null : value,
      key: keyed ? `k${i % 7}` : undefined,
      partition: withPartition ? i % t.partitions : undefined,
      headers: withHeaders ? [['h', `v${i}`], ['empty', null]] : undefined,
    }));
  };

  // ---- raw clients

  const newProducer = () => {
    const servers = r.pick(clusters);
    const config = {
      'bootstrap.servers': servers,
      'linger.ms': r.pick([0, 5, 50]),
      'message.timeout.ms': 20_000,
      'queue.buffering.max.messages': r.pick([100_000, 300]),
      'enable.idempotence': r.chance(0.7),
    };
    const client = new KafkaProducer(config, { sendTimeoutMs: 5000 });
    client.on('error', onErrorEvent('producer'));
    producers.push({ id: uniq('p'), client, servers, topics: TOPICS });
  };

  const newConsumer = () => {
    const servers = r.pick(clusters);
    const shared = r.chance(0.3);
    const cooperative = r.chance(0.3);
    const hookCommits = r.chance(0.3);
    const hookThrows = r.chance(0.1);
    const small = r.chance(0.3);
    const mode = r.chance(0.5) ? 'subscribe' : 'assign';
    const which = r.int(3);
    /** @type {any} */
    let client;
    client = new KafkaConsumer(
      {
        'bootstrap.servers': servers,
        'group.id': shared ? `g-${tag}-shared` : uniq('g'),
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 500,
        'partition.assignment.strategy': cooperative ? 'cooperative-sticky' : 'range',
      },
      {
        highWaterMark: small ? { messages: 50, bytes: 64 * 1024 } : undefined,
        onRevoke: async () => {
          if (hookThrows) throw new HandlerFault();
          if (hookCommits) await client.commit().catch((/** @type {unknown} */ e) => classify('onRevoke.commit', step, e, false));
        },
      },
    );
    client.on('error', onErrorEvent('consumer'));
    const slot = { id: uniq('c'), client, servers, topics: TOPICS };
    consumers.push(slot);
    current = `${slot.id} ${JSON.stringify({ shared, cooperative, hookCommits, hookThrows, small, mode, which, own: servers === own })}`;
    // Subscribe or assign right away most of the time, as applications do.
    const names = which === 2 ? TOPICS.map((t) => t.name) : [TOPICS[which].name];
    if (mode === 'subscribe') launch('consumer.subscribe', () => client.subscribe(names));
    else {
      const t = TOPICS[which === 2 ? 0 : which];
      const parts = Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, partition: p, offset: Offset.BEGINNING }));
      launch('consumer.assign', () => client.assign(parts));
    }
  };

  const newAdmin = () => {
    const servers = r.pick(clusters);
    const client = new KafkaAdmin({ 'bootstrap.servers': servers }, { timeoutMs: 10_000 });
    client.on('error', onErrorEvent('admin'));
    admins.push({ id: uniq('a'), client, servers, topics: TOPICS });
  };

  /** @type {Array<[string, number, () => boolean, () => void]>} */
  const table = [];
  const def = (/** @type {string} */ name, /** @type {number} */ weight, /** @type {() => boolean} */ when, /** @type {() => void} */ run) => {
    if (!options.only || options.only.test(name) || name.endsWith('.new') || name === 'driver.connect') table.push([name, weight, when, run]);
  };

  // Creation.
  def('producer.new', 3, () => open(producers).length < 3, () => launch('producer.new', newProducer));
  def('consumer.new', 3, () => open(consumers).length < 3, () => launch('consumer.new', newConsumer));
  def('admin.new', 1, () => open(admins).length < 1, () => launch('admin.new', newAdmin));

  // Producer operations.
  const withProducer = (/** @type {string} */ name, /** @type {number} */ weight, /** @type {(s: RawSlot) => void} */ run) =>
    def(name, weight, () => open(producers).length > 0, () => {
      const slot = r.pick(open(producers));
      current = slot.id;
      run(slot);
      current = '';
    });
  withProducer('producer.send', 8, (s) => {
    const [m] = messages(s, 1);
    launch('producer.send', async () => {
      const report = await s.client.send(m);
      if (typeof report.offset !== 'bigint' || report.offset < 0n || report.topic !== m.topic) violation(`send resolved with a bad report ${JSON.stringify(String(report.offset))}`);
    });
  });
  withProducer('producer.sendBatch', 6, (s) => {
    const n = r.pick([0, 1, 7, 8, 100, 1000, 3000]);
    const batch = messages(s, n);
    launch('producer.sendBatch', async () => {
      const reports = await s.client.sendBatch(batch);
      if (reports.length !== n || reports.some((/** @type {any} */ x) => typeof x.offset !== 'bigint')) violation(`sendBatch of ${n} resolved with ${reports.length} reports`);
    });
  });
  withProducer('producer.produce', 4, (s) => {
    const n = r.range(1, 20);
    const batch = messages(s, n);
    for (const m of batch) {
      let calls = 0;
      launch('producer.produce', () =>
        new Promise((resolve, reject) => {
          s.client.produce(m, (/** @type {unknown} */ e, /** @type {unknown} */ report) => {
            if (++calls > 1) violation('a produce callback was called twice');
            if (e) reject(e);
            else resolve(report);
          });
        }),
      );
    }
  });
  withProducer('producer.flush', 2, (s) => {
    const timeout = r.pick([0, 100, 3000]);
    launch('producer.flush', () => s.client.flush(timeout));
  });
  withProducer('producer.waitForRoom', 1, (s) => launch('producer.waitForRoom', () => s.client.waitForRoom({ timeoutMs: 200 }).catch((/** @type {any} */ e) => {
    // Waiting for room with nothing in flight times out: that outcome is expected.
    if (!(e instanceof KafkaError && e.codeName === '_QUEUE_FULL')) throw e;
  })));
  withProducer('producer.close', 2, (s) => {
    const timeoutMs = r.pick([0, 200, 3000]);
    const twice = r.chance(0.3);
    launch('producer.close', async () => {
      const report = await s.client.close({ timeoutMs });
      if (!Number.isInteger(report.undelivered) || report.undelivered < 0) violation(`close reported ${String(report.undelivered)} undelivered`);
    });
    if (twice) launch('producer.closeAgain', () => s.client.close());
  });

  // Consumer operations.
  const withConsumer = (/** @type {string} */ name, /** @type {number} */ weight, /** @type {(s: RawSlot) => void} */ run) =>
    def(name, weight, () => open(consumers).length > 0, () => {
      const slot = r.pick(open(consumers));
      current = slot.id;
      run(slot);
      current = '';
    });
  withConsumer('consumer.subscribe', 1, (s) => {
    const names = r.chance(0.2) ? [/^fz-/] : [pickTopic(s).name];
    launch('consumer.subscribe', () => s.client.subscribe(names));
  });
  withConsumer('consumer.unsubscribe', 1, (s) => launch('consumer.unsubscribe', () => s.client.unsubscribe()));
  withConsumer('consumer.assign', 1, (s) => {
    const tp = pickPartition(s);
    const offset = r.pick([undefined, Offset.BEGINNING, Offset.END, 0n, 5n]);
    launch('consumer.assign', () => s.client.assign([{ ...tp, offset }]));
  });
  withConsumer('consumer.unassign', 1, (s) => launch('consumer.unassign', () => s.client.unassign()));
  withConsumer('consumer.incrementalAssign', 1, (s) => {
    const tp = pickPartition(s);
    launch('consumer.incrementalAssign', () => s.client.incrementalAssign([{ ...tp, offset: Offset.BEGINNING }]));
  });
  withConsumer('consumer.consume', 6, (s) => {
    const timeoutMs = r.pick([0, 10, 100, 300]);
    launch('consumer.consume', async () => checkMessage('consume', await s.client.consume({ timeoutMs })));
  });
  withConsumer('consumer.consumeBatch', 6, (s) => {
    const max = r.pick([1, 10, 1000]);
    const timeoutMs = r.pick([0, 10, 100, 300]);
    launch('consumer.consumeBatch', async () => {
      const batch = await s.client.consumeBatch(max, { timeoutMs });
      if (!Array.isArray(batch) || batch.length > max) violation(`consumeBatch(${max}) returned ${batch?.length} messages`);
      for (const m of batch) checkMessage('consumeBatch', m);
    });
  });
  withConsumer('consumer.iterate', 2, (s) => {
    const max = r.range(1, 300);
    const throws = r.chance(0.2);
    launch(
      'consumer.iterate',
      async () => {
        let n = 0;
        for await (const m of s.client) {
          checkMessage('iterate', m);
          if (throws && n === max - 1) throw new HandlerFault();
          if (++n >= max) break;
        }
      },
      { long: true, handlerMayThrow: true },
    );
  });
  withConsumer('consumer.batches', 2, (s) => {
    const max = r.range(1, 5);
    const size = r.pick([1, 50, 10_000]);
    launch(
      'consumer.batches',
      async () => {
        let n = 0;
        for await (const batch of s.client.batches(size)) {
          if (batch.length === 0 || batch.length > size) violation(`batches(${size}) yielded ${batch.length} messages`);
          if (++n >= max) break;
        }
      },
      { long: true },
    );
  });
  withConsumer('consumer.run', 2, (s) => {
    const limit = r.range(1, 100);
    const throwAt = r.chance(0.3) ? r.int(limit) : -1;
    const abortAfterMs = r.pick([10, 100, 1000]);
    const perBatch = r.chance(0.3);
    launch(
      'consumer.run',
      async () => {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), abortAfterMs);
        let n = 0;
        const each = async () => {
          if (n++ === throwAt) throw new HandlerFault();
          if (n >= limit) ac.abort();
        };
        try {
          await s.client.run(perBatch ? { eachBatch: each, maxBatchSize: 20, signal: ac.signal } : { eachMessage: each, signal: ac.signal });
        } finally {
          clearTimeout(timer);
        }
      },
      { handlerMayThrow: true },
    );
  });
  withConsumer('consumer.pause', 2, (s) => {
    const tp = pickPartition(s);
    launch('consumer.pause', () => s.client.pause([tp]));
  });
  withConsumer('consumer.resume', 2, (s) => {
    const tp = pickPartition(s);
    launch('consumer.resume', () => s.client.resume([tp]));
  });
  withConsumer('consumer.seek', 3, (s) => {
    const tp = pickPartition(s);
    const offset = r.pick([Offset.BEGINNING, Offset.END, 0n, 3n, 50n]);
    launch('consumer.seek', () => s.client.seek([{ ...tp, offset }]));
  });
  withConsumer('consumer.commit', 3, (s) => {
    const how = r.int(3);
    const tp = pickPartition(s);
    const timeoutMs = r.pick([undefined, 500, 5000]);
    launch('consumer.commit', () =>
      how === 0 ? s.client.commit(null, { timeoutMs }) : how === 1 ? s.client.commit(null, { async: true }) : s.client.commit([{ ...tp, offset: 1n }], { timeoutMs }),
    );
  });
  withConsumer('consumer.markProcessed', 1, (s) => {
    const tp = pickPartition(s);
    launch('consumer.markProcessed', () => s.client.markProcessed({ ...tp, offset: 0n }));
  });
  withConsumer('consumer.position', 1, (s) => {
    const tp = pickPartition(s);
    launch('consumer.position', () => s.client.position([tp]));
  });
  withConsumer('consumer.committed', 1, (s) => {
    const tp = pickPartition(s);
    launch('consumer.committed', () => s.client.committed([tp], 3000));
  });
  withConsumer('consumer.lag', 1, (s) => launch('consumer.lag', () => s.client.lag(undefined, 3000)));
  withConsumer('consumer.watermarks', 1, (s) => {
    const tp = pickPartition(s);
    launch('consumer.watermarks', () => s.client.queryWatermarkOffsets(tp.topic, tp.partition, 3000));
  });
  withConsumer('consumer.assignment', 1, (s) => launch('consumer.assignment', () => s.client.assignment()));
  withConsumer('consumer.close', 2, (s) => {
    const twice = r.chance(0.3);
    launch('consumer.close', () => s.client.close());
    if (twice) launch('consumer.closeAgain', () => s.client.close());
  });

  // Admin operations.
  const withAdmin = (/** @type {string} */ name, /** @type {number} */ weight, /** @type {(s: RawSlot) => void} */ run) =>
    def(name, weight, () => open(admins).length > 0, () => {
      const slot = r.pick(open(admins));
      current = slot.id;
      run(slot);
      current = '';
    });
  withAdmin('admin.query', 3, (s) => {
    const which = r.int(5);
    const tp = pickPartition(s);
    const fresh = uniq('fz-new');
    launch(`admin.${['listTopics', 'describeTopics', 'describeCluster', 'listOffsets', 'createTopics'][which]}`, () => {
      const a = s.client;
      if (which === 0) return a.listTopics();
      if (which === 1) return a.describeTopics([tp.topic]);
      if (which === 2) return a.describeCluster();
      if (which === 3) return a.listOffsets([{ ...tp, spec: 'latest' }]);
      return a.createTopics([{ topic: fresh, numPartitions: 2 }]);
    });
  });
  withAdmin('admin.close', 1, (s) => launch('admin.close', () => s.client.close()));

  // Calls on closed clients: each must give ClosedError, or the documented empty result.
  const closedProducerCalls = {
    send: (/** @type {any} */ p) => p.send({ topic: 'fz-a', value: 'x' }),
    sendBatch: (/** @type {any} */ p) => p.sendBatch([{ topic: 'fz-a', value: 'x' }]),
    produce: (/** @type {any} */ p) => p.produce({ topic: 'fz-a', value: 'x' }),
    flush: (/** @type {any} */ p) => p.flush(100),
    waitForRoom: (/** @type {any} */ p) => p.waitForRoom({ timeoutMs: 100 }),
    initTransactions: (/** @type {any} */ p) => p.initTransactions(100),
    beginTransaction: (/** @type {any} */ p) => p.beginTransaction(),
    commitTransaction: (/** @type {any} */ p) => p.commitTransaction(100),
    abortTransaction: (/** @type {any} */ p) => p.abortTransaction(100),
  };
  const closedConsumerCalls = {
    subscribe: (/** @type {any} */ c) => c.subscribe(['fz-a']),
    unsubscribe: (/** @type {any} */ c) => c.unsubscribe(),
    assign: (/** @type {any} */ c) => c.assign([{ topic: 'fz-a', partition: 0 }]),
    unassign: (/** @type {any} */ c) => c.unassign(),
    incrementalAssign: (/** @type {any} */ c) => c.incrementalAssign([{ topic: 'fz-a', partition: 0 }]),
    incrementalUnassign: (/** @type {any} */ c) => c.incrementalUnassign([{ topic: 'fz-a', partition: 0 }]),
    assignment: (/** @type {any} */ c) => c.assignment(),
    commit: (/** @type {any} */ c) => c.commit(),
    commitMessage: (/** @type {any} */ c) => c.commitMessage({ topic: 'fz-a', partition: 0, offset: 0n }),
    committed: (/** @type {any} */ c) => c.committed([{ topic: 'fz-a', partition: 0 }]),
    position: (/** @type {any} */ c) => c.position([{ topic: 'fz-a', partition: 0 }]),
    seek: (/** @type {any} */ c) => c.seek([{ topic: 'fz-a', partition: 0, offset: 0n }]),
    pause: (/** @type {any} */ c) => c.pause([{ topic: 'fz-a', partition: 0 }]),
    resume: (/** @type {any} */ c) => c.resume([{ topic: 'fz-a', partition: 0 }]),
    queryWatermarkOffsets: (/** @type {any} */ c) => c.queryWatermarkOffsets('fz-a', 0),
    offsetsForTimes: (/** @type {any} */ c) => c.offsetsForTimes([{ topic: 'fz-a', partition: 0, offset: 0n }]),
    lag: (/** @type {any} */ c) => c.lag(),
  };
  /** Calls whose documented result on a closed consumer is an empty one, not an error. */
  const closedConsumerEmpty = {
    consume: async (/** @type {any} */ c) => (await c.consume({ timeoutMs: 1000 })) === null,
    consumeBatch: async (/** @type {any} */ c) => (await c.consumeBatch(10, { timeoutMs: 1000 })).length === 0,
    iterate: async (/** @type {any} */ c) => {
      for await (const _ of c) return false;
      return true;
    },
    batches: async (/** @type {any} */ c) => {
      for await (const _ of c.batches()) return false;
      return true;
    },
    run: async (/** @type {any} */ c) => (await c.run({ eachMessage: () => undefined }), true),
    close: async (/** @type {any} */ c) => (await c.close(), true),
  };
  const closedAdminCalls = {
    listTopics: (/** @type {any} */ a) => a.listTopics(),
    describeTopics: (/** @type {any} */ a) => a.describeTopics(['fz-a']),
    describeCluster: (/** @type {any} */ a) => a.describeCluster(),
    listOffsets: (/** @type {any} */ a) => a.listOffsets([{ topic: 'fz-a', partition: 0, spec: 'latest' }]),
    createTopics: (/** @type {any} */ a) => a.createTopics([{ topic: 'never', numPartitions: 1 }]),
    listConsumerGroupOffsets: (/** @type {any} */ a) => a.listConsumerGroupOffsets('g'),
  };
  /**
   * @param {string} name
   * @param {() => unknown} call
   */
  const expectClosed = (name, call) => {
    afterClose++;
    launch(`afterClose.${name}`, async () => {
      try {
        await call();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      violation(`${name} on a closed client did not reject with ClosedError`);
    });
  };
  def('afterClose', 4, () => closedOnes(producers).length + closedOnes(consumers).length + closedOnes(admins).length > 0, () => {
    const kinds = [
      ...(closedOnes(producers).length ? ['p'] : []),
      ...(closedOnes(consumers).length ? ['c', 'ce'] : []),
      ...(closedOnes(admins).length ? ['a'] : []),
    ];
    const kind = r.pick(kinds);
    if (kind === 'p') {
      const [name, call] = r.pick(Object.entries(closedProducerCalls));
      const s = r.pick(closedOnes(producers));
      expectClosed(`producer.${name}`, () => call(s.client));
    } else if (kind === 'c') {
      const [name, call] = r.pick(Object.entries(closedConsumerCalls));
      const s = r.pick(closedOnes(consumers));
      expectClosed(`consumer.${name}`, () => call(s.client));
    } else if (kind === 'a') {
      const [name, call] = r.pick(Object.entries(closedAdminCalls));
      const s = r.pick(closedOnes(admins));
      expectClosed(`admin.${name}`, () => call(s.client));
    } else {
      const [name, call] = r.pick(Object.entries(closedConsumerEmpty));
      const s = r.pick(closedOnes(consumers));
      afterClose++;
      launch(`afterClose.consumer.${name}`, async () => {
        if (!(await call(s.client))) violation(`consumer.${name} on a closed consumer did not give its empty result`);
      });
    }
  });

  // Faults on the cluster this thread owns (the shared one is left alone).
  def('cluster.blip', 0.5, () => true, () => {
    const downMs = r.pick([50, 300, 1000]);
    launch('cluster.blip', async () => {
      await ownCluster.setBrokerDown(1);
      await sleep(downMs);
      await ownCluster.setBrokerUp(1);
    });
  });
  def('cluster.requestErrors', 0.5, () => true, () => {
    const api = r.pick([ApiKey.Produce, ApiKey.Fetch, ApiKey.OffsetCommit, ApiKey.Metadata]);
    // Retriable errors: NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_COORDINATOR.
    const codes = Array.from({ length: r.range(1, 3) }, () => r.pick([6, 7, 16]));
    launch('cluster.requestErrors', () => ownCluster.pushRequestErrors(api, codes));
  });

  // The topic layer (on this thread's own cluster: the driver creates topics through it).
  def('driver.connect', 1, () => live(drivers).length < 1, () => {
    const slot = { id: uniq('d'), ready: Driver.connect({ kafka: { 'bootstrap.servers': own } }), closed: false };
    drivers.push(slot);
    launch('driver.connect', () => slot.ready);
  });
  def('driver.createTopic', 1, () => live(drivers).length > 0 && live(topics).length < 3, () => {
    const driver = r.pick(live(drivers));
    const name = uniq('t');
    const partitions = r.range(1, 3);
    const slot = { id: name, name, driver, closed: false, ready: driver.ready.then((/** @type {any} */ d) => d.createTopic(name, { num_partitions: partitions })) };
    topics.push(slot);
    launch('driver.createTopic', () => slot.ready);
  });
  def('driver.openTopic', 1, () => live(drivers).length > 0, () => {
    const driver = r.pick(live(drivers));
    const known = topics.length > 0 && r.chance(0.7);
    const name = known ? r.pick(topics).name : uniq('missing');
    launch('driver.openTopic', async () => {
      const d = await driver.ready;
      try {
        await d.openTopic(name);
      } catch (e) {
        // An unknown (or not yet created) topic is a TopicNotFoundError.
        if (!(e instanceof lib.TopicNotFoundError) && !(e instanceof ClosedError)) throw e;
      }
    });
  });
  def('driver.close', 0.3, () => live(drivers).length > 0, () => {
    const driver = r.pick(live(drivers));
    driver.closed = true;
    for (const t of topics) if (t.driver === driver) t.closed = true;
    launch('driver.close', async () => (await driver.ready).close());
  });
  def('topic.producer', 1, () => live(topics).length > 0 && live(tproducers).length < 2, () => {
    const topic = r.pick(live(topics));
    const maxPending = r.pick([undefined, 5, 100]);
    const slot = { id: uniq('tp'), topic, closed: false, ready: topic.ready.then((/** @type {any} */ t) => t.producer({ maxPending })) };
    tproducers.push(slot);
    launch('topic.producer', () => slot.ready);
  });
  def('topic.push', 4, () => live(tproducers).length > 0, () => {
    const slot = r.pick(live(tproducers));
    const n = r.range(1, 30);
    const at = step;
    const bad = r.chance(0.1);
    const data = r.chance(0.5) ? Buffer.from('payload') : undefined;
    launch('topic.push', async () => {
      const p = await slot.ready;
      for (let i = 0; i < n; i++) {
        // A metadata that cannot be serialized is a ValidationError, rejected on its own.
        const metadata = bad && i === 0 ? { bad: 1n } : { i, at };
        track('topic.push.event', p.push(metadata, data), { at });
      }
    });
  });
  def('topic.consumer', 1, () => live(topics).length > 0 && live(tconsumers).length < 2, () => {
    const topic = r.pick(live(topics));
    const group = r.chance(0.5) ? `tg-${tag}` : uniq('tg');
    const targeted = r.chance(0.3);
    const slot = {
      id: uniq('tc'),
      topic,
      closed: false,
      ready: topic.ready.then((/** @type {any} */ t) => t.consumer(group, targeted ? { targets: [0] } : {})),
    };
    tconsumers.push(slot);
    launch('topic.consumer', () => slot.ready);
  });
  def('topic.pull', 3, () => live(tconsumers).length > 0, () => {
    const slot = r.pick(live(tconsumers));
    const timeoutMs = r.pick([0, 50, 300]);
    const ack = r.chance(0.5);
    launch('topic.pull', async () => {
      const c = await slot.ready;
      const event = await c.pull({ timeoutMs });
      if (event !== null && typeof event.id !== 'bigint') violation('pull gave an event without a bigint id');
      if (event !== null && ack) await event.acknowledge();
    });
  });
  def('topic.process', 2, () => live(tconsumers).length > 0, () => {
    const slot = r.pick(live(tconsumers));
    const maxEvents = r.range(1, 30);
    const timeoutMs = r.pick([50, 300]);
    const concurrency = r.pick([1, 3]);
    const throwAt = r.chance(0.3) ? r.int(maxEvents) : -1;
    const stopAt = r.chance(0.2) ? r.int(maxEvents) : -1;
    launch(
      'topic.process',
      async () => {
        const c = await slot.ready;
        let n = 0;
        await c.process(
          async (/** @type {any} */ event) => {
            const i = n++;
            if (i === throwAt) throw new HandlerFault();
            if (i % 2 === 0) await event.acknowledge();
            return i !== stopAt;
          },
          { maxEvents, timeoutMs, concurrency },
        );
      },
      { handlerMayThrow: true },
    );
  });
  def('topic.markAsComplete', 0.2, () => live(topics).length > 0, () => {
    const topic = r.pick(live(topics));
    launch('topic.markAsComplete', async () => (await topic.ready).markAsComplete());
  });
  def('topic.close', 1, () => live(tproducers).length + live(tconsumers).length > 0, () => {
    const slot = r.pick([...live(tproducers), ...live(tconsumers)]);
    slot.closed = true;
    launch('topic.close', async () => (await slot.ready).close());
  });
  def('topic.afterDriverClose', 0.3, () => topics.some((t) => t.closed), () => {
    const topic = r.pick(topics.filter((t) => t.closed));
    const consumer = r.chance(0.5);
    launch('topic.afterDriverClose', async () => {
      const t = await topic.ready.catch(() => null);
      if (t === null || !topic.driver.closed) return;
      // A closed driver makes no more clients; the call says so with ClosedError.
      await (await topic.driver.ready).close();
      afterClose++;
      try {
        if (consumer) t.consumer('late');
        else t.producer();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      violation(`topic.${consumer ? 'consumer' : 'producer'}() after the driver closed did not throw ClosedError`);
    });
  });

  def('sleep', 3, () => true, () => {
    const ms = r.pick([1, 5, 20]);
    launch('sleep', () => sleep(ms));
  });

  const totalWeight = () => table.reduce((sum, [, w, when]) => sum + (when() ? w : 0), 0);
  const choose = () => {
    let x = (r.u32() / 2 ** 32) * totalWeight();
    for (const [, w, when, run] of table) {
      if (!when()) continue;
      x -= w;
      if (x < 0) return run;
    }
    return table[table.length - 1][3];
  };

  // ---- the run
  for (step = 0; step < options.steps; step++) {
    choose()();
    options.onStep?.(step);
    // Let operations interleave with I/O; bound the number of short operations in flight.
    await tick();
    const pending = entries.filter((e) => !e.settled && !e.long);
    if (pending.length > 24) await Promise.race([pending[0].promise.catch(() => undefined), sleep(200)]);
  }

  // ---- close everything, then every promise must settle.
  step = options.steps;
  for (const s of [...producers, ...consumers, ...admins]) launch('final.close', () => s.client.close());
  for (const s of [...tproducers, ...tconsumers]) launch('final.close', async () => (await settleSlot(s))?.close());
  for (const s of drivers) launch('final.close', async () => (await settleSlot(s))?.close());
  const deadline = Date.now() + (options.settleDeadlineMs ?? 60_000);
  for (;;) {
    const pending = entries.filter((e) => !e.settled);
    if (pending.length === 0 || Date.now() > deadline) break;
    // The deadline timer is cancelled once everything settled: it must not hold the thread.
    const timer = new AbortController();
    await Promise.race([
      Promise.allSettled(pending.map((e) => e.promise)),
      sleep(Math.max(1, deadline - Date.now()), undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
  }
  const hanging = entries.filter((e) => !e.settled).map((e) => ({ op: e.op, step: e.step }));

  // ---- the thread still works: a fresh producer and consumer round-trip a message.
  let sanity = false;
  try {
    const p = new KafkaProducer({ 'bootstrap.servers': own });
    const report = await p.send({ topic: 'fz-b', value: `sanity-${tag}` });
    const c = new KafkaConsumer({ 'bootstrap.servers': own, 'group.id': uniq('sanity') });
    await c.assign([{ topic: 'fz-b', partition: 0, offset: report.offset }]);
    const m = await c.consume({ timeoutMs: 20_000 });
    sanity = m?.value?.toString() === `sanity-${tag}`;
    await c.close();
    await p.close();
  } catch (e) {
    violation(`sanity round-trip failed: ${describe(e)}`);
  }
  if (!options.cluster) await ownCluster.close();
  // A rejection reported on the last tick still counts.
  await sleep(10);
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUncaught);

  return {
    thread: options.thread,
    seed: options.seed,
    steps: options.steps,
    ops,
    errors,
    tracked: entries.length,
    settled: entries.filter((e) => e.settled).length,
    hanging,
    violations,
    errorEvents,
    afterClose,
    sanity,
    durationMs: Date.now() - started,
  };
}

// ---------------------------------------------------------------- the session (main + workers)

/**
 * @typedef {object} SessionOptions
 * @property {number} seed
 * @property {number} mainSteps        steps of the main thread
 * @property {number} workers          workers running to completion
 * @property {number} workerSteps      steps of each of them
 * @property {boolean} [terminate]     also start a worker and terminate it mid-run
 * @property {number} [settleDeadlineMs]
 * @property {RegExp} [only]
 * @property {(line: string) => void} [log]
 */

/**
 * @typedef {object} SessionReport
 * @property {number} seed
 * @property {ThreadReport[]} threads
 * @property {string[]} failures        workers that crashed, a bad termination, a wedged main thread
 * @property {{ seed: number, stepsBeforeTerminate: number, exitCode: number } | undefined} terminated
 * @property {number} durationMs
 */

/**
 * Runs the main-thread fuzz and the workers' fuzz at once on one shared MockCluster.
 * @param {SessionOptions} options
 * @returns {Promise<SessionReport>}
 */
export async function runSession(options) {
  const lib = loadLibrary();
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const r = prng(options.seed ^ 0x5eed);
  const shared = await lib.MockCluster.start({ topics: TOPICS });
  /** @type {string[]} */
  const failures = [];

  /** @param {number} seed @param {number} steps @param {string} thread */
  const startWorker = (seed, steps, thread, progressEvery = 0) =>
    new Worker(DRIVER_PATH, {
      workerData: { lifecycleFuzz: { seed, steps, thread, shared: shared.bootstrapServers, progressEvery, settleDeadlineMs: options.settleDeadlineMs, only: options.only?.source } },
    });

  /** @type {Promise<ThreadReport | undefined>[]} */
  const workerRuns = [];
  for (let i = 0; i < options.workers; i++) {
    const seed = (options.seed + i + 1) >>> 0;
    const thread = `worker${i + 1}`;
    log(`${thread}: seed ${seed}, ${options.workerSteps} steps`);
    const w = startWorker(seed, options.workerSteps, thread);
    workerRuns.push(
      new Promise((resolve) => {
        /** @type {ThreadReport | undefined} */
        let report;
        /** @type {NodeJS.Timeout | undefined} */
        let exitTimer;
        w.on('message', (m) => {
          if (m.type !== 'report') return;
          report = m.report;
          // Its run is over and every client it made was closed: the worker must now exit
          // by itself. One that does not is holding a client open; say so and end it.
          exitTimer = setTimeout(() => {
            failures.push(`${thread} (seed ${seed}) did not exit within 60 s of its report (a native client still open); terminated`);
            void w.terminate();
            // terminate() waits for the clients' native threads; one stuck there is reported
            // rather than waited for.
            exitTimer = setTimeout(() => {
              failures.push(`${thread} (seed ${seed}): terminate() did not return within 60 s (a client's native close is stuck)`);
              resolve(report);
            }, 60_000);
          }, 60_000);
        });
        w.on('error', (e) => failures.push(`${thread} (seed ${seed}) crashed: ${e.stack ?? String(e)}`));
        w.on('exit', (code) => {
          clearTimeout(exitTimer);
          if (code !== 0 && !failures.some((f) => f.startsWith(`${thread} (seed ${seed}) did not exit`))) failures.push(`${thread} (seed ${seed}) exited with code ${code}`);
          if (!report) failures.push(`${thread} (seed ${seed}) sent no report`);
          resolve(report);
        });
      }),
    );
  }

  /** @type {Promise<SessionReport['terminated']>} */
  let terminatedRun = Promise.resolve(undefined);
  if (options.terminate) {
    const seed = (options.seed + 1000) >>> 0;
    const at = r.range(20, 200);
    log(`terminated worker: seed ${seed}, terminated after step ${at}`);
    const w = startWorker(seed, 1_000_000, 'terminated', 1);
    terminatedRun = new Promise((resolve) => {
      let lastStep = -1;
      let asked = false;
      w.on('message', (m) => {
        if (m.type !== 'step') return;
        lastStep = m.step;
        if (lastStep >= at && !asked) {
          asked = true;
          void w.terminate();
        }
      });
      w.on('error', (e) => failures.push(`terminated worker (seed ${seed}) crashed before termination: ${e.stack ?? String(e)}`));
      w.on('exit', (code) => {
        if (!asked) failures.push(`terminated worker (seed ${seed}) exited on its own with code ${code}`);
        resolve({ seed, stepsBeforeTerminate: lastStep + 1, exitCode: code });
      });
    });
  }

  log(`main: seed ${options.seed}, ${options.mainSteps} steps`);
  const main = await runLifecycleFuzz({
    lib,
    seed: options.seed,
    steps: options.mainSteps,
    thread: 'main',
    cluster: shared,
    settleDeadlineMs: options.settleDeadlineMs,
    only: options.only,
  });
  const workers = await Promise.all(workerRuns);
  const terminated = await terminatedRun;
  await shared.close();
  return {
    seed: options.seed,
    threads: [main, ...workers.filter((w) => w !== undefined)],
    failures,
    terminated,
    durationMs: Date.now() - started,
  };
}

/**
 * The problems of a session, one line each (empty: all good).
 * @param {SessionReport} s
 */
export function sessionProblems(s) {
  const out = [...s.failures];
  for (const t of s.threads) {
    for (const h of t.hanging) out.push(`[${t.thread} seed ${t.seed}] promise of ${h.op} (launched at step ${h.step}) never settled`);
    out.push(...t.violations);
    if (!t.sanity) out.push(`[${t.thread} seed ${t.seed}] the round-trip after the fuzz failed`);
  }
  if (s.terminated && s.terminated.exitCode !== 1) out.push(`terminated worker exited with ${s.terminated.exitCode}, expected 1 (terminate())`);
  return out;
}

/**
 * One summary line per thread.
 * @param {SessionReport} s
 */
export function summarize(s) {
  const lines = s.threads.map((t) => {
    const failed = Object.values(t.errors).reduce((a, b) => a + b, 0);
    return `${t.thread.padEnd(9)} seed ${String(t.seed).padEnd(10)} ${t.steps} steps, ${t.tracked} promises (${t.settled} settled, ${t.hanging.length} hanging), ${failed} typed failures, ${t.afterClose} calls after close, ${t.errorEvents} error events, ${t.violations.length} violations, ${(t.durationMs / 1000).toFixed(1)} s`;
  });
  if (s.terminated) lines.push(`terminated seed ${s.terminated.seed}: terminate() after ${s.terminated.stepsBeforeTerminate} steps, exit code ${s.terminated.exitCode}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- worker entry

if (!isMainThread && workerData?.lifecycleFuzz) {
  const { seed, steps, thread, shared, progressEvery, settleDeadlineMs, only } = workerData.lifecycleFuzz;
  runLifecycleFuzz({
    seed,
    steps,
    thread,
    shared,
    settleDeadlineMs,
    only: only === undefined ? undefined : new RegExp(only),
    onStep: progressEvery ? (step) => step % progressEvery === 0 && parentPort?.postMessage({ type: 'step', step }) : undefined,
  }).then(
    (report) => parentPort?.postMessage({ type: 'report', report }),
    (e) => {
      throw e;
    },
  );
}
