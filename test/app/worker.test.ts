/**
 * Workers: commits only after success, retries with backoff, dead letters, the
 * no-dead-letter stop, output acknowledged before commit, per-partition order under
 * concurrency, broker faults, shutdown (stop() and SIGTERM in a child process), health.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import {
  ApiKey,
  backoffDelay,
  ConfigError,
  DEAD_LETTER_HEADERS,
  deadLetterMessage,
  DEFAULT_RETRY,
  HandlerRejectedError,
  KafkaConsumer,
  KafkaMetrics,
  KafkaProducer,
  runWorker,
  WorkerError,
  workerSettingsFromEnv,
  type Message,
} from '../../lib/index';
import { PartitionLanes } from '../../lib/app/worker/lanes';
import { resolveRetry } from '../../lib/app/worker/retry';
import type { Connections } from '../../lib/app/connections';
import { realCluster, unique, useCluster } from '../helpers';
import { committedOffsets, header, readTopic, recordingLogger, testConnections, waitUntil, workerConsumerConfig } from '../worker-helpers';

const cluster = useCluster();
let connections: Connections;
let producer: KafkaProducer;
const markOriginal = KafkaConsumer.prototype.markProcessed;
const sendOffsetsOriginal = KafkaProducer.prototype.sendOffsetsToTransaction;

beforeAll(async () => {
  connections = testConnections(cluster);
  producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
});
afterAll(async () => {
  await producer.close();
  await connections.closeAll();
});

/** Produces values to partitions round-robin (value i to partition i % partitions). */
async function fill(topic: string, count: number, partitions = 1, value: (i: number) => string = (i) => `m${i}`): Promise<void> {
  await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ topic, partition: i % partitions, value: value(i) })));
}

/** Options every test's worker shares: the test connection, quick groups, fast commits, no env. */
function base(topic: string, group = unique('wg')) {
  return {
    connections,
    connection: 'test',
    topic,
    group,
    env: {},
    commitIntervalMs: 100,
    statisticsIntervalMs: 0,
    openTelemetry: false,
    metrics: new KafkaMetrics(),
    consumerConfig: workerConsumerConfig,
  };
}

const quickRetry = { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 200, jitter: 0 };

describe('runWorker: processing and commits', () => {
  it('hands every message to the handler in partition order and commits after success', async () => {
    const topic = await cluster.topic('w-ok', 2);
    await fill(topic, 20, 2);
    const seen = new Map<number, bigint[]>();
    const options = base(topic);
    const worker = await runWorker({
      ...options,
      handler: (m: Message) => {
        seen.set(m.partition, [...(seen.get(m.partition) ?? []), m.offset]);
      },
    });
    await waitUntil('20 messages', () => [...seen.values()].flat().length === 20);
    await waitUntil('commits of both partitions', async () => (await committedOffsets(cluster, options.group, topic, 2)).every((o) => o === 10n));
    expect(seen.get(0)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
    expect(seen.get(1)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
    expect(worker.metrics.value('worker_messages_processed_total', { group: options.group })).toBe(20);
    await worker.stop();
    expect(worker.state).toBe('stopped');
  });

  it('retries a throwing handler with growing backoff, then dead-letters the message with its origin and error', async () => {
    const topic = await cluster.topic('w-dlq');
    const dlq = await cluster.topic('w-dlq-dead');
    await fill(topic, 5, 1, (i) => (i === 2 ? 'poison' : `m${i}`));
    const attempts: Array<{ attempt: number; at: number }> = [];
    const processed: string[] = [];
    const options = base(topic);
    const worker = await runWorker({
      ...options,
      deadLetterTopic: dlq,
      retry: { ...quickRetry, maxAttempts: 4, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000 },
      handler: (m: Message, ctx) => {
        if (m.value!.toString() === 'poison') {
          attempts.push({ attempt: ctx.attempt, at: performance.now() });
          throw new TypeError('cannot parse poison');
        }
        processed.push(m.value!.toString());
      },
    });
    await waitUntil('the commit past every message', async () => (await committedOffsets(cluster, options.group, topic))[0] === 5n);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    // Waits of at least 100, 200 and 400 ms (jitter 0.2 shrinks each by at most a fifth).
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(75);
    expect(gaps[1]).toBeGreaterThanOrEqual(155);
    expect(gaps[2]).toBeGreaterThanOrEqual(315);
    expect(processed).toEqual(['m0', 'm1', 'm3', 'm4']);

    const [dead, ...more] = await readTopic(cluster, dlq, { expected: 1 });
    expect(more).toEqual([]);
    expect(dead!.value!.toString()).toBe('poison');
    expect(header(dead!, DEAD_LETTER_HEADERS.error)).toBe('cannot parse poison');
    expect(header(dead!, DEAD_LETTER_HEADERS.errorType)).toBe('TypeError');
    expect(header(dead!, DEAD_LETTER_HEADERS.topic)).toBe(topic);
    expect(header(dead!, DEAD_LETTER_HEADERS.partition)).toBe('0');
    expect(header(dead!, DEAD_LETTER_HEADERS.offset)).toBe('2');
    expect(header(dead!, DEAD_LETTER_HEADERS.attempts)).toBe('4');
    expect(header(dead!, DEAD_LETTER_HEADERS.group)).toBe(options.group);
    expect(worker.metrics.value('worker_handler_failures_total', { group: options.group })).toBe(4);
    expect(worker.metrics.value('worker_retries_total', { group: options.group })).toBe(3);
    expect(worker.metrics.value('worker_dead_lettered_total', { group: options.group })).toBe(1);
    await worker.stop();
  });

  it('treats a handler that returns false like one that throws', async () => {
    const topic = await cluster.topic('w-false');
    const dlq = await cluster.topic('w-false-dead');
    await fill(topic, 3);
    const calls: string[] = [];
    const options = base(topic);
    const worker = await runWorker({
      ...options,
      deadLetterTopic: dlq,
      retry: quickRetry,
      handler: (m: Message) => {
        calls.push(m.value!.toString());
        return m.value!.toString() !== 'm1';
      },
    });
    await waitUntil('the commit past every message', async () => (await committedOffsets(cluster, options.group, topic))[0] === 3n);
    expect(calls).toEqual(['m0', 'm1', 'm1', 'm1', 'm2']);
    const dead = await readTopic(cluster, dlq, { expected: 1 });
    expect(dead.map((m) => m.value!.toString())).toEqual(['m1']);
    expect(header(dead[0]!, DEAD_LETTER_HEADERS.errorType)).toBe('HandlerRejectedError:_FAIL');
    expect(header(dead[0]!, DEAD_LETTER_HEADERS.error)).toBe(new HandlerRejectedError().message);
    await worker.stop();
  });

  it('without a dead-letter topic, stops with a WorkerError after the retries; the failed message stays uncommitted and comes first after a restart', async () => {
    const topic = await cluster.topic('w-stop');
    await fill(topic, 6);
    const options = base(topic);
    const { lines, logger } = recordingLogger();
    const first: string[] = [];
    const worker = await runWorker({
      ...options,
      logger,
      retry: quickRetry,
      handler: (m: Message) => {
        first.push(m.value!.toString());
        if (m.value!.toString() === 'm3') throw new Error('downstream refused m3');
      },
    });
    const error = await worker.closed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as Error).message).toMatch(/at offset 3 failed 3 time\(s\) and no deadLetterTopic is configured/);
    expect((error as Error).message).toMatch(/downstream refused m3/);
    expect(worker.state).toBe('failed');
    expect(first).toEqual(['m0', 'm1', 'm2', 'm3', 'm3', 'm3']);
    expect(lines.some((l) => l.level === 'error' && /no deadLetterTopic/.test(l.msg))).toBe(true);
    expect(await committedOffsets(cluster, options.group, topic)).toEqual([3n]);

    const second: string[] = [];
    const again = await runWorker({ ...options, handler: (m: Message) => void second.push(m.value!.toString()) });
    await waitUntil('the rest', () => second.length === 3);
    expect(second).toEqual(['m3', 'm4', 'm5']);
    await again.stop();
  });

  it('stop() mid-stream commits exactly what succeeded; a restart in the same group gets only the rest', async () => {
    const topic = await cluster.topic('w-restart');
    await fill(topic, 20);
    const options = base(topic);
    const first: string[] = [];
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let reached10 = false;
    const worker = await runWorker({
      ...options,
      shutdownTimeoutMs: 500,
      handler: async (m: Message, ctx) => {
        if (m.offset === 10n) {
          reached10 = true;
          // Never finishes on its own: gives up when the shutdown deadline aborts the signal.
          await new Promise<void>((resolve, reject) => {
            ctx.signal.addEventListener('abort', () => reject(new Error('gave up')), { once: true });
            void blocked.then(resolve);
          });
        }
        first.push(m.value!.toString());
      },
    });
    await waitUntil('message 10 in its handler', () => reached10);
    await worker.stop();
    release();
    expect(first).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(await committedOffsets(cluster, options.group, topic)).toEqual([10n]);

    const second: string[] = [];
    const again = await runWorker({ ...options, handler: (m: Message) => void second.push(m.value!.toString()) });
    await waitUntil('the other 10', () => second.length >= 10);
    await again.stop();
    expect(second).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 10}`));
  });

  it('a handler that finishes within the shutdown deadline is committed', async () => {
    const topic = await cluster.topic('w-drain');
    await fill(topic, 3);
    const options = base(topic);
    let inHandler = false;
    const done: string[] = [];
    const worker = await runWorker({
      ...options,
      handler: async (m: Message) => {
        inHandler = true;
        if (m.offset === 0n) await new Promise((r) => setTimeout(r, 800));
        done.push(m.value!.toString());
      },
    });
    await waitUntil('the first handler', () => inHandler);
    await worker.stop();
    // The slow first message finished and was committed; the queued ones were not started.
    expect(done).toEqual(['m0']);
    expect(await committedOffsets(cluster, options.group, topic)).toEqual([1n]);
  });
});

describe('runWorker: outputs', () => {
  it('produces to the output topic and marks an input processed only after its output was acknowledged', async () => {
    const input = await cluster.topic('w-in');
    const output = await cluster.topic('w-out');
    await fill(input, 10);
    // Every response is slow, so an acknowledgement comes well after the handler returned.
    if (cluster.mock) await cluster.mock.setBrokerRtt(1, 200);
    const acked = new Map<string, number>();
    const marked = new Map<string, number>();
    const mark = vi.spyOn(KafkaConsumer.prototype, 'markProcessed');
    mark.mockImplementation(function (this: KafkaConsumer, m): void {
      if (m.topic === input) marked.set(String(m.offset), performance.now());
      markOriginal.call(this, m);
    });
    const options = base(input);
    const worker = await runWorker({
      ...options,
      output,
      handler: (m: Message, ctx) => {
        // Not awaited: the worker has to wait for the acknowledgement itself.
        void ctx.produce({ key: m.value, value: m.value!.toString().toUpperCase() }).then(() => acked.set(String(m.offset), performance.now()));
      },
    });
    try {
      await waitUntil('all committed', async () => (await committedOffsets(cluster, options.group, input))[0] === 10n, 45_000);
      for (let i = 0; i < 10; i++) {
        expect(acked.get(String(i))).toBeDefined();
        expect(marked.get(String(i))).toBeGreaterThanOrEqual(acked.get(String(i))!);
      }
      const out = await readTopic(cluster, output, { expected: 10 });
      expect(out.map((m) => m.value!.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `M${i}`));
    } finally {
      mark.mockRestore();
      if (cluster.mock) await cluster.mock.setBrokerRtt(1, 0);
      await worker.stop();
    }
  });

  it('an output that fails makes the attempt fail: retried, and committed only once an attempt delivered it', async () => {
    const input = await cluster.topic('w-in-fail');
    const output = await cluster.topic('w-out-fail');
    await fill(input, 2);
    const options = base(input);
    const attempts: number[] = [];
    const worker = await runWorker({
      ...options,
      output,
      retry: quickRetry,
      producerConfig: { 'message.max.bytes': 10_000 },
      handler: async (m: Message, ctx) => {
        attempts.push(ctx.attempt);
        // The first attempt's output is too large: its delivery fails.
        const value = ctx.attempt === 1 && m.offset === 0n ? Buffer.alloc(20_000) : m.value;
        await ctx.produce({ value }).catch(() => undefined);
      },
    });
    await waitUntil('both committed', async () => (await committedOffsets(cluster, options.group, input))[0] === 2n);
    expect(attempts).toEqual([1, 2, 1]);
    const out = await readTopic(cluster, output, { expected: 2 });
    expect(out.map((m) => m.value!.toString())).toEqual(['m0', 'm1']);
    await worker.stop();
  });

  it('context.produce without a topic and without an output topic fails the attempt with a clear error', async () => {
    const topic = await cluster.topic('w-notopic');
    const dlq = await cluster.topic('w-notopic-dead');
    await fill(topic, 1);
    const options = base(topic);
    const worker = await runWorker({ ...options, deadLetterTopic: dlq, retry: false, handler: async (m: Message, ctx) => void (await ctx.produce({ value: 'x' })) });
    const [dead] = await readTopic(cluster, dlq, { expected: 1 });
    expect(header(dead!, DEAD_LETTER_HEADERS.error)).toMatch(/no topic and the worker has no output topic/);
    expect(header(dead!, DEAD_LETTER_HEADERS.attempts)).toBe('1');
    await worker.stop();
  });
});

describe('runWorker: exactly once', () => {
  // See test/client/transactions.test.ts: the mock runs the transaction protocol but writes no
  // markers and stores no transactional offsets.
  const MOCK_REASON = 'the mock cluster writes no transaction markers and stores no transactional offsets';

  it('commits each unit\'s outputs and input offset in one transaction; a failed attempt is aborted and retried', async () => {
    const input = await cluster.topic('w-eos-in');
    const output = await cluster.topic('w-eos-out');
    await fill(input, 5);
    const sentOffsets: Array<{ offsets: unknown; consumer: unknown }> = [];
    const txOffsets = vi.spyOn(KafkaProducer.prototype, 'sendOffsetsToTransaction');
    txOffsets.mockImplementation(async function (this: KafkaProducer, offsets, consumer, timeoutMs) {
      sentOffsets.push({ offsets, consumer });
      return sendOffsetsOriginal.call(this, offsets, consumer, timeoutMs);
    });
    const commits = vi.spyOn(KafkaConsumer.prototype, 'commit');
    const aborts = vi.spyOn(KafkaProducer.prototype, 'abortTransaction');
    const options = base(input);
    let failedOnce = false;
    const worker = await runWorker({
      ...options,
      output,
      exactlyOnce: true,
      retry: quickRetry,
      handler: async (m: Message, ctx) => {
        await ctx.produce({ value: `${m.value!.toString().toUpperCase()}#${ctx.attempt}` });
        if (m.offset === 2n && !failedOnce) {
          failedOnce = true;
          throw new Error('fails after producing');
        }
      },
    });
    try {
      await waitUntil('five transactions', () => sentOffsets.length === 5);
      expect(sentOffsets.map((s) => s.offsets)).toEqual([1n, 2n, 3n, 4n, 5n].map((offset) => [{ topic: input, partition: 0, offset }]));
      expect(sentOffsets.every((s) => s.consumer instanceof KafkaConsumer)).toBe(true);
      expect(aborts).toHaveBeenCalledTimes(1);
      // Offsets go with the transactions only: the consumer never commits by itself.
      expect(commits).not.toHaveBeenCalled();
      // The fifth transaction's offsets were sent; its commit (which the metric counts) follows.
      await waitUntil('five commits counted', () => worker.metrics.value('worker_commits_total', { group: options.group }) === 5);
      const isolation = realCluster ? 'read_committed' : 'read_uncommitted';
      const out = (await readTopic(cluster, output, { expected: realCluster ? 5 : 6, isolation })).map((m) => m.value!.toString());
      if (realCluster) {
        // The aborted attempt's output is invisible; every input has exactly one output.
        expect(out).toEqual(['M0#1', 'M1#1', 'M2#2', 'M3#1', 'M4#1']);
        expect(await committedOffsets(cluster, options.group, input)).toEqual([5n]);
      } else {
        // On the mock (${MOCK_REASON}) the aborted attempt's output is visible too.
        expect(out).toEqual(['M0#1', 'M1#1', 'M2#1', 'M2#2', 'M3#1', 'M4#1']);
      }
    } finally {
      txOffsets.mockRestore();
      commits.mockRestore();
      aborts.mockRestore();
      await worker.stop();
    }
  });

  it('dead-letters in a transaction with the input offset', async () => {
    const input = await cluster.topic('w-eos-dlq-in');
    const dlq = await cluster.topic('w-eos-dlq');
    await fill(input, 2);
    const txOffsets = vi.spyOn(KafkaProducer.prototype, 'sendOffsetsToTransaction');
    const options = base(input);
    const worker = await runWorker({
      ...options,
      deadLetterTopic: dlq,
      exactlyOnce: { transactionalId: unique('tx-dlq') },
      retry: { ...quickRetry, maxAttempts: 2 },
      handler: (m: Message) => m.offset !== 0n,
    });
    try {
      const [dead] = await readTopic(cluster, dlq, { expected: 1, isolation: realCluster ? 'read_committed' : 'read_uncommitted' });
      expect(header(dead!, DEAD_LETTER_HEADERS.offset)).toBe('0');
      expect(header(dead!, DEAD_LETTER_HEADERS.attempts)).toBe('2');
      await waitUntil('both offsets in transactions', () => txOffsets.mock.calls.length === 2);
      expect(txOffsets.mock.calls.map((c) => c[0])).toEqual([[{ topic: input, partition: 0, offset: 1n }], [{ topic: input, partition: 0, offset: 2n }]]);
      if (realCluster) expect(await committedOffsets(cluster, options.group, input)).toEqual([2n]);
    } finally {
      txOffsets.mockRestore();
      await worker.stop();
    }
  });

  it.skipIf(!realCluster)(`a restart after the transactions resumes at the transactional offsets (${MOCK_REASON})`, async () => {
    const input = await cluster.topic('w-eos-restart');
    await fill(input, 4);
    const options = base(input);
    const first: bigint[] = [];
    const worker = await runWorker({ ...options, exactlyOnce: true, handler: (m: Message) => void first.push(m.offset) });
    await waitUntil('four', () => first.length === 4);
    await worker.stop();
    await fill(input, 2);
    const second: bigint[] = [];
    const again = await runWorker({ ...options, exactlyOnce: true, handler: (m: Message) => void second.push(m.offset) });
    await waitUntil('two more', () => second.length === 2);
    await again.stop();
    expect(second).toEqual([4n, 5n]);
  });
});

describe('runWorker: concurrency and batches', () => {
  it('processes partitions in parallel, each partition strictly in order', async () => {
    const topic = await cluster.topic('w-conc', 4);
    await fill(topic, 80, 4);
    const options = base(topic);
    const order = new Map<number, bigint[]>();
    const running = new Set<number>();
    let maxParallel = 0;
    const worker = await runWorker({
      ...options,
      concurrency: 4,
      handler: async (m: Message) => {
        expect(running.has(m.partition)).toBe(false);
        running.add(m.partition);
        maxParallel = Math.max(maxParallel, running.size);
        await new Promise((r) => setTimeout(r, 5 + ((m.partition * 7 + Number(m.offset) * 3) % 11)));
        order.set(m.partition, [...(order.get(m.partition) ?? []), m.offset]);
        running.delete(m.partition);
      },
    });
    await waitUntil('80 messages', () => [...order.values()].flat().length === 80);
    for (let p = 0; p < 4; p++) expect(order.get(p)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)));
    expect(maxParallel).toBeGreaterThan(1);
    expect(maxParallel).toBeLessThanOrEqual(4);
    await waitUntil('commits', async () => (await committedOffsets(cluster, options.group, topic, 4)).every((o) => o === 20n));
    await worker.stop();
  });

  it('a batch handler gets batches of one partition, in order, at most batchSize long', async () => {
    const topic = await cluster.topic('w-batch', 2);
    await fill(topic, 50, 2);
    const options = base(topic);
    const batches: Message[][] = [];
    const worker = await runWorker({ ...options, batchSize: 7, batchHandler: (ms: Message[]) => void batches.push(ms) });
    await waitUntil('50 messages', () => batches.flat().length === 50);
    for (const b of batches) {
      expect(b.length).toBeGreaterThan(0);
      expect(b.length).toBeLessThanOrEqual(7);
      expect(new Set(b.map((m) => m.partition)).size).toBe(1);
    }
    for (const p of [0, 1]) {
      expect(batches.flat().filter((m) => m.partition === p).map((m) => m.offset)).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)));
    }
    await waitUntil('commits', async () => (await committedOffsets(cluster, options.group, topic, 2)).every((o) => o === 25n));
    await worker.stop();
  });
});

describe('runWorker: rebalances', () => {
  it('a second worker joining and leaving the group: nothing lost (nothing processed twice on a real cluster)', async () => {
    const topic = await cluster.topic('w-rebalance', 4);
    await fill(topic, 200, 4);
    const group = unique('wg-rb');
    const byWorker = { a: [] as string[], b: [] as string[] };
    const handler = (name: 'a' | 'b') => async (m: Message) => {
      await new Promise((r) => setTimeout(r, 10));
      byWorker[name].push(`${m.partition}:${m.offset}`);
    };
    const a = await runWorker({ ...base(topic, group), concurrency: 2, handler: handler('a') });
    await waitUntil('a started', () => byWorker.a.length >= 30);
    const b = await runWorker({ ...base(topic, group), concurrency: 2, handler: handler('b') });
    await waitUntil('b took some', () => byWorker.b.length >= 20, 45_000);
    await b.stop();
    await waitUntil('all committed', async () => (await committedOffsets(cluster, group, topic, 4)).every((o) => o === 50n), 45_000);
    await a.stop();
    const all = [...byWorker.a, ...byWorker.b];
    expect(new Set(all).size).toBe(200);
    expect(byWorker.b.length).toBeGreaterThan(0);
    if (realCluster) {
      // Revoked partitions are committed up to what finished before the next owner starts.
      expect(all.length).toBe(200);
    }
    // On the mock, a group that is collecting joins refuses every OffsetCommit with
    // REBALANCE_IN_PROGRESS (a real coordinator accepts the old generation's commits while
    // preparing a rebalance), so the revoke commit fails and the next owner sees those
    // messages again: at least once, not exactly once.
  });
});

describe('runWorker: broker faults', () => {
  it.skipIf(realCluster)('loses and skips nothing when the broker goes down and commits fail during processing', async () => {
    const mock = cluster.mock!;
    const topic = await cluster.topic('w-fault', 2);
    await fill(topic, 60, 2);
    const options = base(topic);
    const seen = new Map<number, bigint[]>();
    let faulted = false;
    const worker = await runWorker({
      ...options,
      handler: async (m: Message) => {
        seen.set(m.partition, [...(seen.get(m.partition) ?? []), m.offset]);
        await new Promise((r) => setTimeout(r, 10));
      },
    });
    await waitUntil('some progress', () => [...seen.values()].flat().length >= 10);
    // Commits fail for a while (coordinator errors), then the broker goes away entirely.
    await mock.pushRequestErrors(ApiKey.OffsetCommit, [16, 16, 16, 15, 15]);
    await mock.setBrokerDown(1);
    faulted = true;
    await new Promise((r) => setTimeout(r, 2000));
    await mock.setBrokerUp(1);
    await waitUntil('every message committed', async () => (await committedOffsets(cluster, options.group, topic, 2)).every((o) => o === 30n), 60_000);
    expect(faulted).toBe(true);
    for (const p of [0, 1]) {
      const offsets = seen.get(p)!;
      // Every offset at least once; redeliveries only go back to a committed point, never forward past a gap.
      expect(new Set(offsets)).toEqual(new Set(Array.from({ length: 30 }, (_, i) => BigInt(i))));
      for (let i = 1; i < offsets.length; i++) {
        if (offsets[i]! > offsets[i - 1]!) expect(offsets[i]).toBe(offsets[i - 1]! + 1n);
      }
    }
    await worker.stop();
  });
});

describe('runWorker: health', () => {
  it('/healthz is 503 until partitions are assigned, then 200; the server closes with the worker', async () => {
    const topic = await cluster.topic('w-health');
    const options = base(topic);
    // Another member holds the topic's only partition, and its revoke hook holds the rebalance
    // until released: the worker stays without a partition for as long as the test needs (a real
    // broker's first rebalance can be quicker than the first request to /healthz).
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const holder = new KafkaConsumer(
      { 'bootstrap.servers': cluster.bootstrapServers, 'group.id': options.group, ...workerConsumerConfig },
      { onRevoke: () => released },
    );
    await holder.subscribe([topic]);
    await waitUntil('the other member has the partition', async () => {
      await holder.consume({ timeoutMs: 100 });
      return (await holder.assignment()).length > 0;
    });
    const worker = await runWorker({ ...options, http: { port: 0, host: '127.0.0.1' }, handler: () => undefined });
    const url = `http://127.0.0.1:${worker.httpPort}/healthz`;
    const before = await fetch(url);
    expect(before.status).toBe(503);
    const body = (await before.json()) as { ready: boolean; reasons: string[] };
    expect(body.ready).toBe(false);
    expect(body.reasons).toContain('no partition assigned');
    release();
    await holder.close();
    await waitUntil('ready', async () => (await fetch(url)).status === 200);
    const ready = (await (await fetch(url)).json()) as { assignedPartitions: number; state: string };
    expect(ready).toMatchObject({ assignedPartitions: 1, state: 'running' });
    expect((await fetch(`http://127.0.0.1:${worker.httpPort}/nope`)).status).toBe(404);
    await worker.stop();
    await expect(fetch(url)).rejects.toThrow();
  });
  it.skipIf(realCluster)('/healthz turns 503 while the brokers are unreachable and 200 again after (needs the mock\'s fault injection)', async () => {
    const mock = cluster.mock!;
    const topic = await cluster.topic('w-health-down');
    const options = base(topic);
    const { logger } = recordingLogger();
    const worker = await runWorker({ ...options, logger, statisticsIntervalMs: 100, http: { port: 0, host: '127.0.0.1' }, handler: () => undefined });
    const url = `http://127.0.0.1:${worker.httpPort}/healthz`;
    try {
      await waitUntil('ready', async () => (await fetch(url)).status === 200);
      await mock.setBrokerDown(1);
      await waitUntil('not ready', async () => {
        const res = await fetch(url);
        return res.status === 503 && ((await res.json()) as { reasons: string[] }).reasons.includes('brokers unreachable');
      });
      await mock.setBrokerUp(1);
      await waitUntil('ready again', async () => (await fetch(url)).status === 200);
    } finally {
      await mock.setBrokerUp(1);
      await worker.stop();
    }
  });
});

describe('runWorker: options', () => {
  it('refuses bad options with a ConfigError naming the option, before connecting', async () => {
    const h = () => undefined;
    await expect(runWorker({ connections, connection: 'test', topic: 't', group: 'g', env: {} })).rejects.toThrow(/needs a handler/);
    await expect(runWorker({ connections, topic: 't', group: 'g', handler: h, batchHandler: h, env: {} })).rejects.toThrow(/not both/);
    await expect(runWorker({ connections, group: 'g', handler: h, env: {} })).rejects.toThrow(/no topic to consume: pass topic\/topics or set KAFKA_TOPIC/);
    await expect(runWorker({ connections, topic: 't', group: 'g', handler: h, concurrency: 0, env: {} })).rejects.toThrow(ConfigError);
    await expect(runWorker({ connections, topic: 't', group: 'g', handler: h, exactlyOnce: true, concurrency: 2, env: {} })).rejects.toThrow(/concurrency must be 1/);
    await expect(runWorker({ connections, topic: 't', group: 'g', handler: h, retry: { maxAtempts: 3 } as never, env: {} })).rejects.toThrow(/"retry.maxAtempts"/);
    await expect(runWorker({ connections, topic: 't', group: 'g', handler: h, batchSize: 5, env: {} })).rejects.toThrow(/batchSize/);
    await expect(runWorker({ connections, topic: 't', group: 'g', handler: h, env: { OCTOKAFKA_HTTP_PORT: 'eighty' } })).rejects.toThrow(/OCTOKAFKA_HTTP_PORT/);
    await expect(runWorker({ connections, connection: 'nope', topic: 't', group: 'g', handler: h, env: {} })).rejects.toThrow(/"nope" is not in connections/);
  });

  it('takes topic, group, dead-letter topic and connection from the environment', async () => {
    const topic = await cluster.topic('w-env');
    const dlq = await cluster.topic('w-env-dead');
    const group = unique('wg-env');
    await fill(topic, 1);
    const env = { KAFKA_TOPIC: topic, KAFKA_CONSUMER_GROUP: group, KAFKA_DEAD_LETTER_TOPIC: dlq, OCTOKAFKA_CONNECTION: 'test' };
    const worker = await runWorker({
      connections,
      env,
      retry: false,
      commitIntervalMs: 100,
      statisticsIntervalMs: 0,
      openTelemetry: false,
      consumerConfig: workerConsumerConfig,
      handler: () => {
        throw new Error('env worker');
      },
    });
    expect(worker.group).toBe(group);
    const [dead] = await readTopic(cluster, dlq, { expected: 1 });
    expect(header(dead!, DEAD_LETTER_HEADERS.group)).toBe(group);
    await worker.stop();
  });
});

describe('runWorker: signals', () => {
  it('SIGTERM in a child process: stops consuming, finishes, commits, exits 0', async () => {
    const topic = await cluster.topic('w-sigterm');
    await fill(topic, 200);
    const group = unique('wg-sig');
    const script = `
      const { runWorker } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist/cjs/index.js'))});
      // Everything from the environment: connection, topic, group.
      runWorker({
        handleSignals: true, commitIntervalMs: 60_000, statisticsIntervalMs: 0, openTelemetry: false,
        consumerConfig: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
        handler: async (m) => { await new Promise((r) => setTimeout(r, 20)); process.stdout.write('done ' + m.offset + '\\n'); },
      }).then((w) => w.closed.then(() => process.stdout.write('closed\\n')));
    `;
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, KAFKA_BOOTSTRAP_SERVERS: cluster.bootstrapServers, KAFKA_TOPIC: topic, KAFKA_CONSUMER_GROUP: group },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitUntil('the child to process some messages', () => (out.match(/^done /gm) ?? []).length >= 10, 45_000);
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, err).toBe(0);
    expect(out).toMatch(/closed\n$/);
    const done = [...out.matchAll(/^done (\d+)$/gm)].map((m) => BigInt(m[1]!));
    expect(done.length).toBeLessThan(200);
    expect(done).toEqual(Array.from({ length: done.length }, (_, i) => BigInt(i)));
    // The commit interval is a minute: only the shutdown commit can have stored this.
    expect(await committedOffsets(cluster, group, topic)).toEqual([BigInt(done.length)]);
  });
});

describe('worker parts', () => {
  it('backoff grows by the multiplier, is capped, and spreads by the jitter', () => {
    const policy = { ...DEFAULT_RETRY, initialDelayMs: 100, multiplier: 3, maxDelayMs: 1000, jitter: 0.5 };
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, middle))).toEqual([100, 300, 900, 1000]);
    expect(backoffDelay(policy, 2, () => 0)).toBe(150);
    expect(backoffDelay(policy, 2, () => 1)).toBe(450);
    expect(backoffDelay(policy, 4, () => 1)).toBe(1000); // never past the cap
  });

  it('checks retry settings', () => {
    expect(resolveRetry(undefined)).toEqual(DEFAULT_RETRY);
    expect(resolveRetry(false).maxAttempts).toBe(1);
    expect(resolveRetry({ maxAttempts: 2 })).toEqual({ ...DEFAULT_RETRY, maxAttempts: 2 });
    expect(() => resolveRetry({ maxAttempts: 0 })).toThrow(/"retry.maxAttempts": must be an integer ≥ 1, got 0/);
    expect(() => resolveRetry({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(/retry.maxDelayMs/);
    expect(() => resolveRetry({ jitter: 2 })).toThrow(/retry.jitter/);
    expect(() => resolveRetry({ multiplier: Number.NaN })).toThrow(/retry.multiplier/);
    expect(() => resolveRetry(3 as never)).toThrow(/must be an object/);
  });

  it('a dead letter keeps the message and replaces earlier dead-letter headers', () => {
    const message: Message = {
      topic: 'orders', partition: 3, offset: 41n, key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1700000000000,
      headers: [['app', Buffer.from('a')], [DEAD_LETTER_HEADERS.error, Buffer.from('the previous failure')]],
    };
    const dead = deadLetterMessage(message, { topic: 'orders.dlq', error: new RangeError('x'.repeat(10_000)), attempts: 5, group: 'billing', now: new Date(0) });
    expect(dead.topic).toBe('orders.dlq');
    expect(dead.key).toBe(message.key);
    expect(dead.value).toBe(message.value);
    const headers = Object.fromEntries((dead.headers as Array<[string, unknown]>).map(([n, v]) => [n, String(v)]));
    expect(headers).toEqual({
      app: 'a',
      [DEAD_LETTER_HEADERS.error]: `${'x'.repeat(8192)}…`,
      [DEAD_LETTER_HEADERS.errorType]: 'RangeError',
      [DEAD_LETTER_HEADERS.topic]: 'orders',
      [DEAD_LETTER_HEADERS.partition]: '3',
      [DEAD_LETTER_HEADERS.offset]: '41',
      [DEAD_LETTER_HEADERS.timestamp]: '1700000000000',
      [DEAD_LETTER_HEADERS.attempts]: '5',
      [DEAD_LETTER_HEADERS.group]: 'billing',
      [DEAD_LETTER_HEADERS.failedAt]: '1970-01-01T00:00:00.000Z',
    });
    expect((dead.headers as unknown[]).length).toBe(10);
  });

  it('reads worker settings from the environment and names a bad variable', () => {
    expect(workerSettingsFromEnv({})).toEqual({});
    expect(
      workerSettingsFromEnv({ KAFKA_TOPIC: 'a, b', KAFKA_CONSUMER_GROUP: 'g', KAFKA_OUTPUT_TOPIC: 'o', KAFKA_DEAD_LETTER_TOPIC: 'd', OCTOKAFKA_CONNECTION: 'prod', OCTOKAFKA_HTTP_PORT: '8080' }),
    ).toEqual({ topics: ['a', 'b'], group: 'g', output: 'o', deadLetterTopic: 'd', connection: 'prod', httpPort: 8080 });
    expect(() => workerSettingsFromEnv({ KAFKA_TOPIC: 'a,,b' })).toThrow(/"KAFKA_TOPIC": has an empty topic name/);
    expect(() => workerSettingsFromEnv({ OCTOKAFKA_HTTP_PORT: '70000' })).toThrow(ConfigError);
  });

  it('lanes: one unit per partition at a time, at most `concurrency` at once, partitions take turns', async () => {
    const log: string[] = [];
    let active = 0;
    let most = 0;
    const lanes = new PartitionLanes({
      concurrency: 2,
      unitSize: 2,
      process: async (lane, unit) => {
        active++;
        most = Math.max(most, active);
        log.push(`${lane.partition}:${unit.map((m) => m.offset).join(',')}`);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      },
    });
    const msg = (partition: number, offset: number): Message => ({ topic: 't', partition, offset: BigInt(offset), key: null, value: null, headers: [], timestamp: 0 });
    lanes.push([msg(0, 0), msg(0, 1), msg(0, 2), msg(1, 0), msg(2, 0), msg(0, 3)]);
    expect(lanes.inFlight).toBe(3);
    expect(lanes.queued).toBe(3);
    await waitUntil('all units', () => log.length === 4);
    await lanes.idle();
    expect(most).toBe(2);
    // Partition 0's units in order; partition 2 got its turn before partition 0's second unit.
    expect(log.filter((l) => l.startsWith('0:'))).toEqual(['0:0,1', '0:2,3']);
    expect(log.indexOf('2:0')).toBeLessThan(log.indexOf('0:2,3'));
    // Dropping a partition discards what waits and stops its retries.
    lanes.push([msg(5, 0), msg(5, 1), msg(5, 2), msg(6, 0), msg(6, 1), msg(6, 2)]);
    const [dropped] = lanes.drop([{ topic: 't', partition: 6 }], 'revoked');
    expect(dropped!.retries.signal.aborted).toBe(true);
    expect(dropped!.handlers.signal.aborted).toBe(false);
    expect(dropped!.queue).toEqual([]);
    await lanes.idle();
    await waitUntil('partition 5 done', () => log.includes('5:2'));
    expect(log.filter((l) => l.startsWith('6:'))).toEqual(['6:0,1']);
  });
});
