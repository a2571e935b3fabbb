/** `octokafka consume`: messages (or topic-layer events) of a topic to stdout. */
import { randomBytes } from 'node:crypto';

import { Command, Option } from 'commander';

import type { KafkaConfig } from '../config/client-config';
import { KafkaConsumer } from '../client/consumer';
import { Offset } from '../core/message';
import { isMockCluster, withContext, type CliContext } from './context';
import { CliError } from './errors';
import { checkFormat, eventFormatter, messageFormatter, type OutputMode } from './format';
import { stdoutClosed, writeOut } from './output';
import { collect, nonNegativeInt, positiveInt, withConnectionOptions, type ConnectionOptions } from './options';

interface ConsumeOptions extends ConnectionOptions {
  group?: string;
  fromBeginning?: boolean;
  partition?: string[];
  count?: number;
  timeout?: number;
  output?: OutputMode;
  format?: string;
  event?: boolean;
  namespace?: string;
}

/** How long to wait for the cluster when no --timeout is given. */
const CONNECT_TIMEOUT_MS = 10_000;

const OUTPUT_HELP = `
Output (one line per message):
  --output raw      the value as it is (default)
  --output json     {"topic","partition","offset","timestamp","key","value","headers"}; text as
                    JSON strings, other bytes as {"base64": "..."}; offsets exact
  --format TEMPLATE placeholders {topic} {partition} {offset} {timestamp} {key} {value}
                    {headers} {header.NAME}; \\n and \\t escapes; {{ and }} for braces
With --event: {id} {partition} {metadata} {data} {topic}; json prints
{"topic","partition","id","metadata","data"}; raw prints the data. Events are read as a
consumer group: --group (acknowledging what was printed), or a fresh group that starts
at the beginning.

Without --group every partition is assigned (no group, nothing committed), from the end,
or from the beginning with --from-beginning. With --group the group's committed offsets
are used and what was printed is committed. Stops after --count messages, after
--timeout ms without a message (exit 2 if --count was not reached), or on Ctrl-C (130).

Examples:
  octokafka consume -b 127.0.0.1:9092 numbers --from-beginning --count 10
  octokafka consume -b 127.0.0.1:9092 events --group audit --output json --timeout 5000
  octokafka consume -b 127.0.0.1:9092 events --from-beginning --format '{partition}@{offset} {key}={value}'`;

/** The `consume` command. */
export function consumeCommand(): Command {
  return withConnectionOptions(
    new Command('consume')
      .description('print the messages of a topic, from a consumer group or all partitions')
      .argument('<topic>', 'topic name')
      .option('-g, --group <id>', 'read as this consumer group and commit what was printed')
      .option('--from-beginning', 'start at the earliest offset (a group: when it has no committed offset)')
      .option('-p, --partition <n>', 'without --group: only this partition (repeatable)', collect)
      .option('-n, --count <n>', 'stop after this many messages', positiveInt)
      .option('--timeout <ms>', 'stop when no message came for this long (and how long to wait for the cluster)', positiveInt)
      .addOption(new Option('-o, --output <mode>', 'output mode').choices(['raw', 'json', 'format']))
      .option('--format <template>', 'format string (implies --output format)')
      .option('--event', 'decode topic-layer events (see `octokafka topic`)')
      .option('--namespace <ns>', 'topic-layer namespace (with --event)')
      .addHelpText('after', OUTPUT_HELP)
      .action(async (topic: string, options: ConsumeOptions, cmd: Command) => {
        const output: OutputMode = options.output ?? (options.format !== undefined ? 'format' : 'raw');
        if (options.format !== undefined && output !== 'format') cmd.error(`error: --format needs --output format, not --output ${output}`);
        try {
          if (options.format !== undefined) checkFormat(options.format, Boolean(options.event));
        } catch (e) {
          cmd.error(`error: option '--format <template>' argument '${options.format}' is invalid. ${(e as Error).message}`);
        }
        const partitions = (options.partition ?? []).map((p) => {
          try {
            return nonNegativeInt(p);
          } catch {
            return cmd.error(`error: option '-p, --partition <n>' argument '${p}' is invalid. expected an integer of 0 or more.`);
          }
        });
        if (partitions.length > 0 && options.group !== undefined) cmd.error('error: --partition reads without a group; leave out --group');
        if (options.event && partitions.length > 0) cmd.error('error: --partition does not apply with --event');
        process.exitCode = await withContext(options, (ctx) =>
          options.event ? consumeEvents(ctx, topic, options, output) : consumeMessages(ctx, topic, options, output, partitions),
        );
      }),
  );
}

/** The count or idle timeout ended the run before --count was reached: exit 2 with the figures. */
function checkCount(ctx: CliContext, received: number, options: ConsumeOptions): void {
  if (ctx.interrupted || stdoutClosed() || options.count === undefined || received >= options.count) return;
  throw new CliError(`timed out: ${received} of ${options.count} messages, none for ${options.timeout} ms`);
}

async function consumeMessages(ctx: CliContext, topic: string, options: ConsumeOptions, output: OutputMode, only: number[]): Promise<void> {
  ctx.handleInterrupt();
  const timeoutMs = options.timeout ?? CONNECT_TIMEOUT_MS;
  const connection = await ctx.connection('consumer');
  const cluster = await ctx.reach(timeoutMs);
  const grouped = options.group !== undefined;
  const config: KafkaConfig = { ...connection.config };
  if (grouped) {
    config['group.id'] = options.group!;
    // Like other Kafka consoles: a new group starts at the end unless asked otherwise.
    if (options.fromBeginning) config['auto.offset.reset'] = 'earliest';
    else config['auto.offset.reset'] ??= 'latest';
    if (isMockCluster(cluster)) {
      // The mock makes whoever joins a group its last member left wait for the session
      // timeout less a second (44 s by default): a second `consume --group` would stall.
      config['session.timeout.ms'] ??= 6000;
      config['heartbeat.interval.ms'] ??= 500;
    }
  } else {
    // librdkafka wants a group id for a consumer; nothing joins or commits it here.
    config['group.id'] ??= `octokafka-cli-${randomBytes(6).toString('hex')}`;
    config['enable.auto.commit'] = false;
  }
  const consumer = ctx.track(new KafkaConsumer(config, ctx.clientOptions(connection)));

  const admin = await ctx.admin(timeoutMs);
  const [described] = await admin.describeTopics([topic], { timeoutMs, includeInternal: true }).catch((e: unknown) => {
    throw new CliError(`topic ${JSON.stringify(topic)}: ${(e as Error).message}`);
  });
  const all = (described?.partitions ?? []).map((p) => p.partition);
  for (const p of only) if (!all.includes(p)) throw new CliError(`topic ${JSON.stringify(topic)} has no partition ${p} (partitions 0-${all.length - 1})`);
  if (grouped) await consumer.subscribe([topic]);
  else {
    const offset = options.fromBeginning ? Offset.BEGINNING : Offset.END;
    await consumer.assign((only.length > 0 ? only : all).map((partition) => ({ topic, partition, offset })));
  }

  const format = messageFormatter(output, options.format);
  let received = 0;
  while (!stdoutClosed() && (options.count === undefined || received < options.count)) {
    const max = Math.min(1000, options.count === undefined ? 1000 : options.count - received);
    const batch = await consumer.consumeBatch(max, { timeoutMs: options.timeout, signal: ctx.signal });
    if (batch.length === 0) break; // idle timeout, Ctrl-C, or the consumer closed
    await writeOut(Buffer.concat(batch.map(format)));
    // Printed means processed: the group commits these (at close at the latest).
    for (const m of batch) consumer.markProcessed(m);
    received += batch.length;
  }
  if (grouped) await consumer.commit().catch((e: unknown) => ctx.diagnostics.print(`commit: ${(e as Error).message}`));
  checkCount(ctx, received, options);
}

async function consumeEvents(ctx: CliContext, topic: string, options: ConsumeOptions, output: OutputMode): Promise<void> {
  ctx.handleInterrupt();
  await ctx.reach(options.timeout ?? CONNECT_TIMEOUT_MS);
  const driver = await ctx.driver(options.namespace);
  const handle = await driver.openTopic(topic);
  // A topic consumer is a group; without --group a fresh one reads everything once.
  const group = options.group ?? `octokafka-cli-${randomBytes(6).toString('hex')}`;
  const consumer = handle.consumer(group);
  const format = eventFormatter(output, options.format);
  let received = 0;
  while (!stdoutClosed() && !consumer.complete && (options.count === undefined || received < options.count)) {
    const event = await consumer.pull({ timeoutMs: options.timeout, signal: ctx.signal });
    if (event === null) break;
    if (event.isEndOfStream) continue;
    if (event.error) ctx.diagnostics.print(`event ${event.id} of partition ${event.partition.partition_id} does not decode: ${event.error.message}`);
    else {
      await writeOut(format({ topic, partition: event.partition.partition_id, id: event.id, metadata: event.metadata, data: event.dataBuffer }));
      received++;
    }
    if (options.group !== undefined) await event.acknowledge();
  }
  checkCount(ctx, received, options);
}
