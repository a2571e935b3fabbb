/** `octokafka test-send`: one message there and back, with timings. */
import { randomUUID } from 'node:crypto';

import { Command } from 'commander';

import { KafkaConsumer } from '../client/consumer';
import { ErrorCode, KafkaError } from '../util/errors';
import { KafkaProducer } from '../client/producer';
import { withContext, type CliContext } from './context';
import { CliError } from './errors';
import { positiveInt, withConnectionOptions, type ConnectionOptions } from './options';

interface TestSendOptions extends ConnectionOptions {
  timeout: number;
  replicationFactor?: number;
  json?: boolean;
}

/** What `test-send` measured. */
export interface TestSendReport {
  bootstrapServers: string;
  clusterId: string | null;
  brokers: number;
  topic: string;
  createdTopic: boolean;
  partition: number;
  offset: bigint;
  /** From the start to the cluster's first metadata answer. */
  connectMs: number;
  /** From the send to the broker's acknowledgement. */
  produceAckMs: number;
  /** From the send to the consumer having the message. */
  endToEndMs: number;
}

const HEADER = 'octokafka-test-send';

/** The `test-send` command. */
export function testSendCommand(): Command {
  return withConnectionOptions(
    new Command('test-send')
      .description('send one message and read it back, printing how long connecting, the acknowledgement and the round trip took')
      .argument('[topic]', 'topic to use (created with 1 partition if it does not exist)', 'octokafka-test-send')
      .option('--timeout <ms>', 'give up when a step takes longer than this', positiveInt, 10_000)
      .option('-r, --replication-factor <n>', "replication factor of the topic if it is created (default: the broker's)", positiveInt)
      .option('--json', 'print JSON')
      .action(async (topic: string, options: TestSendOptions) => {
        process.exitCode = await withContext(options, async (ctx) => {
          const r = await testSend(ctx, topic, options.timeout, options.replicationFactor);
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ ...r, offset: Number(r.offset) }, null, 2)}\n`);
            return;
          }
          process.stdout.write(
            [
              `connected to ${r.bootstrapServers} (cluster ${r.clusterId ?? '(no id)'}, ${r.brokers} broker${r.brokers === 1 ? '' : 's'}) in ${r.connectMs.toFixed(1)} ms`,
              ...(r.createdTopic
                ? [`created topic ${r.topic} (1 partition${options.replicationFactor === undefined ? '' : `, replication factor ${options.replicationFactor}`})`]
                : []),
              `produced to ${r.topic} [${r.partition}] at offset ${r.offset}: acknowledged in ${r.produceAckMs.toFixed(1)} ms`,
              `consumed it back: end to end ${r.endToEndMs.toFixed(1)} ms`,
              '',
            ].join('\n'),
          );
        });
      }),
  );
}

async function testSend(ctx: CliContext, topic: string, timeoutMs: number, replicationFactor?: number): Promise<TestSendReport> {
  const started = performance.now();
  const cluster = await ctx.reach(timeoutMs);
  const connectMs = performance.now() - started;
  const admin = await ctx.admin(timeoutMs);

  let createdTopic = false;
  const exists = await admin.describeTopics([topic], { timeoutMs, includeInternal: true }).then(
    () => true,
    (e: unknown) => {
      if (e instanceof KafkaError && e.code === ErrorCode.UNKNOWN_TOPIC_OR_PART) return false;
      throw e;
    },
  );
  if (!exists) {
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor }], { timeoutMs });
    createdTopic = true;
  }

  // Made first so that it connects while the consumer gets ready. Without idempotence the
  // first send waits for nothing but the connection (an idempotent producer first needs a
  // producer id, which librdkafka may retry only 500 ms later); -X can turn it back on.
  const pc = await ctx.connection('producer');
  const producer = ctx.track(
    new KafkaProducer({ 'message.timeout.ms': timeoutMs, 'linger.ms': 0, 'enable.idempotence': false, ...pc.config }, ctx.clientOptions(pc)),
  );

  // The consumer reads partition 0 from its current end, so it is ready before the send.
  const partition = 0;
  const cc = await ctx.connection('consumer');
  const consumer = ctx.track(
    new KafkaConsumer(
      { 'fetch.wait.max.ms': 10, ...cc.config, 'group.id': `octokafka-test-send-${randomUUID()}`, 'enable.auto.commit': false },
      ctx.clientOptions(cc),
    ),
  );
  const { high } = await consumer.queryWatermarkOffsets(topic, partition, { timeoutMs });
  await consumer.assign([{ topic, partition, offset: high }]);

  const id = randomUUID();
  const sent = performance.now();
  let report;
  try {
    report = await producer.send({ topic, partition, key: 'test-send', value: `octokafka test-send ${id}`, headers: [[HEADER, id]] }, { timeoutMs });
  } catch (e) {
    throw new CliError(`the message was not acknowledged: ${(e as Error).message}${ctx.diagnostics.lastError ? ` (${ctx.diagnostics.lastError})` : ''}`);
  }
  const produceAckMs = performance.now() - sent;

  const deadline = sent + timeoutMs;
  for (;;) {
    const left = deadline - performance.now();
    const m = left > 0 ? await consumer.consume({ timeoutMs: left }) : null;
    if (m === null) throw new CliError(`the message (offset ${report.offset}) did not come back within ${timeoutMs} ms`);
    if (m.headers.some(([name, value]) => name === HEADER && value?.toString() === id)) {
      return {
        bootstrapServers: cc.bootstrapServers,
        clusterId: cluster.clusterId,
        brokers: cluster.brokers.length,
        topic,
        createdTopic,
        partition: report.partition,
        offset: report.offset,
        connectMs,
        produceAckMs,
        endToEndMs: performance.now() - sent,
      };
    }
  }
}
