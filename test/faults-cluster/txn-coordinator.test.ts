/**
 * Issue 20, three real nodes: the transaction coordinator of an exactly-once `runWorker`
 * killed (SIGKILL) mid-stream. Each input message must have exactly one committed output,
 * checked end to end by an independent read_committed reader, and the group's committed
 * offsets must reach the end of the input.
 *
 * The group is picked so that its coordinator is the same node: the worker used to stall for
 * good in that case — sendOffsetsToTransaction's TxnOffsetCommit waited forever for the dead
 * group coordinator (fixed by deps/patches/coord-req-timeout.patch; see
 * test/client/txn-coordinator-down.test.ts).
 */
import { describe, expect, it } from 'vitest';

import { Connections } from '../../lib/app/connections';
import { KafkaConsumer, KafkaMetrics, KafkaProducer, runWorker, type Message } from '../../lib/index';
import { idOf } from '../fault-helpers';
import { unique } from '../helpers';
import { bootstrapServers, brokerVersion, cluster, clusterHooks, coordinatorOf, createTopic, haveCluster, longestStall, SKIP_REASON, until } from './cluster';

const { admin } = clusterHooks();

/** Every committed message of the topic (read_committed), reading until `expected` came and then 2 s more of nothing. */
async function readCommitted(topic: string, partitions: number, expected: number): Promise<Message[]> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': bootstrapServers, 'group.id': unique('cf-reader'), 'isolation.level': 'read_committed' });
  try {
    await consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0n })));
    const out: Message[] = [];
    const deadline = Date.now() + 60_000;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      const batch = await consumer.consumeBatch(10_000, { timeoutMs: 500 });
      if (batch.length > 0) quietSince = Date.now();
      out.push(...batch);
      if (out.length >= expected && Date.now() - quietSince > 2000) break;
    }
    return out;
  } finally {
    await consumer.close();
  }
}

describe.skipIf(!haveCluster)(`transaction coordinator killed — ${SKIP_REASON}`, () => {
  it('SIGKILL of the transaction coordinator under an exactly-once worker: exactly one output per input', async () => {
    const partitions = 3;
    const count = 3000;
    const input = await createTopic(admin(), 'cf-eos-in', partitions);
    const output = await createTopic(admin(), 'cf-eos-out', partitions);
    const filler = new KafkaProducer({ 'bootstrap.servers': bootstrapServers });
    await filler.sendBatch(Array.from({ length: count }, (_, i) => ({ topic: input, partition: i % partitions, value: `m${i}` })));
    await filler.close();

    const transactionalId = unique('cf-eos-tx');
    // The group's coordinator on the node that is killed too: the case that stalled (the
    // producer's TxnOffsetCommit waited for that coordinator forever; see the file's header).
    const txnCoordinator = await coordinatorOf(admin(), '__transaction_state', transactionalId);
    let group = unique('cf-eos-group');
    for (let i = 0; i < 200 && (await coordinatorOf(admin(), '__consumer_offsets', group)) !== txnCoordinator; i++) group = unique('cf-eos-group');
    const groupCoordinator = await coordinatorOf(admin(), '__consumer_offsets', group);
    const connections = new Connections({ source: { connections: { test: { 'bootstrap.servers': bootstrapServers } } }, env: {} });
    let handled = 0;
    let attempts = 0;
    const handledTimes: number[] = [];
    const worker = await runWorker({
      connections,
      connection: 'test',
      topic: input,
      group,
      output,
      env: {},
      exactlyOnce: { transactionalId },
      batchSize: 20,
      statisticsIntervalMs: 0,
      openTelemetry: false,
      metrics: new KafkaMetrics(),
      consumerConfig: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'auto.offset.reset': 'earliest' },
      retry: { maxAttempts: 20, initialDelayMs: 200, maxDelayMs: 2000, jitter: 0 },
      batchHandler: async (messages: Message[], ctx) => {
        attempts++;
        for (const m of messages) await ctx.produce({ key: m.key, value: m.value });
        handled += messages.length;
        handledTimes.push(performance.now());
      },
    });
    const t0 = performance.now();
    const progress = (what: string) => console.log(`txn-coordinator +${Math.round(performance.now() - t0)}ms: ${what} (handled ${handled}, handler calls ${attempts})`);
    let workerError: unknown;
    worker.closed.catch((e: unknown) => void (workerError = e));
    let note = '';
    let stalled: string | undefined;
    let committedAtEnd = 0;
    const started = performance.now();
    let killedAt = 0;
    try {
      await until('a fifth of the input handled', () => handled >= count / 5 || workerError !== undefined, 60_000);
      const coordinator = await coordinatorOf(admin(), '__transaction_state', transactionalId);
      killedAt = performance.now();
      progress(`killing node${coordinator}, the transaction coordinator`);
      await cluster('kill', coordinator);
      progress('killed');
      note = `killed=node${coordinator} groupCoordinator=node${groupCoordinator} handledAtKill=${handled}`;
      const endOffsets = async () => {
        const committed = await admin().listConsumerGroupOffsets(group, Array.from({ length: partitions }, (_, partition) => ({ topic: input, partition })));
        return committed.reduce((sum, c) => sum + (c.offset > 0n ? Number(c.offset) : 0), 0);
      };
      // Bounded; a stall is reported in the figures line and fails the test below.
      stalled = await until('the group committed the whole input', async () => workerError !== undefined || (committedAtEnd = await endOffsets().catch(() => committedAtEnd)) >= count, 150_000).then(
        () => undefined,
        (e: unknown) => String(e),
      );
      progress(`committed ${committedAtEnd} of ${count}${stalled ? ': stalled' : ''}`);
      note += ` newCoordinator=node${await coordinatorOf(admin(), '__transaction_state', transactionalId)} committedAtEnd=${committedAtEnd} handledAtEnd=${handled}`;
    } finally {
      const stopping = worker.stop().catch(() => undefined);
      await Promise.race([stopping, new Promise((r) => setTimeout(r, 40_000))]);
      progress('worker stopped (or 40 s passed)');
      await Promise.race([connections.closeAll(), new Promise((r) => setTimeout(r, 20_000))]);
      progress('connections closed (or 20 s passed)');
    }
    const doneMs = Math.round(performance.now() - killedAt);
    const recoveryMs = longestStall(handledTimes, killedAt);
    const got = await readCommitted(output, partitions, stalled ? 0 : count);
    const copies = new Map<number, number>();
    for (const m of got) copies.set(idOf(m.value), (copies.get(idOf(m.value)) ?? 0) + 1);
    let duplicated = 0;
    for (const n of copies.values()) duplicated += n - 1;
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !copies.has(i)).length;
    console.log(
      `cluster-fault[txn-coordinator-sigkill-eos-worker]: messages=${count} acked=${count} failed=0 consumed=${got.length} lost=${missing} duplicated=${duplicated}` +
        ` recoveryMs=${recoveryMs} kafka=${brokerVersion} killToAllCommittedMs=${doneMs} handlerCalls=${attempts} totalMs=${Math.round(performance.now() - started)}` +
        ` workerError=${workerError === undefined ? 'none' : JSON.stringify(String(workerError))}${stalled ? ` STALLED: ${stalled}` : ''}; ${note}`,
    );
    expect(workerError).toBeUndefined();
    expect(stalled).toBeUndefined();
    expect(missing).toBe(0);
    expect(duplicated).toBe(0);
    expect(got.length).toBe(count);
  }, 420_000);
});
