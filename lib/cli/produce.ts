/** `octokafka produce`: lines or JSON from stdin or a file to a topic. */
import { Command, Option } from 'commander';

import { ErrorCode, KafkaError } from '../util/errors';
import type { OutgoingMessage } from '../core/message';
import { KafkaProducer } from '../client/producer';
import { withContext, type CliContext } from './context';
import { CliError } from './errors';
import { eventLine, jsonMessage, lineMessage, LineError, openInput, type LineSource, type MessageDefaults } from './input';
import { keyValue, nonNegativeInt, positiveInt, withConnectionOptions, type ConnectionOptions } from './options';
import { ProduceProgress } from './progress';

interface ProduceOptions extends ConnectionOptions {
  file?: string;
  format: 'lines' | 'json';
  key?: string;
  keySeparator?: string;
  header?: Array<[string, string]>;
  partition?: number;
  event?: boolean;
  namespace?: string;
  timeout: number;
  progress?: boolean;
}

/** Events pushed and not yet acknowledged, at most (topic-layer mode). */
const EVENT_WINDOW = 10_000;

/** Counts and the first failure of one run. */
class Tally {
  acked = 0;
  failed = 0;
  first: string | undefined;
  fail(where: string, e: unknown): void {
    this.failed++;
    this.first ??= `${where}: ${(e as Error).message}`;
  }
}

const INPUT_HELP = `
Input (one message per line):
  --format lines   each line is the value (--key-separator splits key<sep>value)
  --format json    each line is {"key"?, "value", "headers"?, "partition"?, "timestamp"?};
                   headers an object or [name, value] pairs; a non-string value is sent as JSON
  --event          topic-layer topic (see \`octokafka topic\`): each line is
                   {"metadata": {...}, "data"?: "text", "partition"?: hint}, validated,
                   serialized and routed by the topic's components
Prints "produced N messages in X s (R msg/s)" on stderr at the end. Any message that
failed makes the exit code 2, with the count and the first error.

Examples:
  seq 1000 | octokafka produce -b 127.0.0.1:9092 numbers
  octokafka produce -b 127.0.0.1:9092 events --format json --file events.jsonl -H source=cli`;

/** The `produce` command. */
export function produceCommand(): Command {
  return withConnectionOptions(
    new Command('produce')
      .description('send lines or JSON records from stdin or a file to a topic')
      .argument('<topic>', 'topic name')
      .option('-f, --file <path>', 'read this file instead of stdin')
      .addOption(new Option('--format <format>', 'input format').choices(['lines', 'json']).default('lines'))
      .option('-k, --key <key>', 'the key of every message')
      .option('--key-separator <sep>', 'lines format: the key is what comes before <sep> in each line')
      .option('-H, --header <name=value>', 'a header of every message (repeatable)', keyValue)
      .option('-p, --partition <n>', 'send to this partition (topic-layer: a hint for the selector)', nonNegativeInt)
      .option('--event', 'push topic-layer events through the topic\'s validator, serializer and selector')
      .option('--namespace <ns>', 'topic-layer namespace (with --event)')
      .option('--timeout <ms>', 'how long to wait for the cluster, and for each delivery', positiveInt, 30_000)
      .option('--progress', 'show the progress line even when stderr is not a terminal')
      .option('--no-progress', 'never show the progress line')
      .addHelpText('after', INPUT_HELP)
      .action(async (topic: string, options: ProduceOptions, cmd: Command) => {
        if (options.event && (options.format === 'json' || options.key !== undefined || options.keySeparator !== undefined || (options.header ?? []).length > 0)) {
          cmd.error('error: --event reads {"metadata", "data"} lines: --format json, --key, --key-separator and --header do not apply');
        }
        if (options.key !== undefined && options.keySeparator !== undefined) cmd.error('error: give --key or --key-separator, not both');
        process.exitCode = await withContext(options, (ctx) => produce(ctx, topic, options));
      }),
  );
}

async function produce(ctx: CliContext, topic: string, options: ProduceOptions): Promise<void> {
  ctx.handleInterrupt();
  // The producer first: a configuration error is reported before anything goes on the network.
  const producer = options.event ? undefined : await rawProducer(ctx, options);
  await ctx.reach(options.timeout);
  const input = openInput(options.file);
  ctx.signal.addEventListener('abort', () => input.close());
  if (options.file === undefined && process.stdin.isTTY) ctx.diagnostics.print('reading messages from the terminal, one per line (Ctrl-D to end)');
  const tally = new Tally();
  const progress = new ProduceProgress(options.progress ?? Boolean(process.stderr.isTTY), input.totalBytes, () => ({
    acked: tally.acked,
    failed: tally.failed,
    bytesRead: input.bytesRead(),
  }));
  const started = performance.now();
  try {
    if (options.event) await produceEvents(ctx, topic, options, input, tally);
    else await produceMessages(ctx, producer!, topic, options, input, tally);
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(tally.acked / seconds) : 0;
  process.stderr.write(
    `produced ${tally.acked} message${tally.acked === 1 ? '' : 's'} in ${seconds.toFixed(2)} s (${rate.toLocaleString('en-US')} msg/s)` +
      `${tally.failed > 0 ? `; ${tally.failed} failed` : ''}${ctx.interrupted ? '; interrupted' : ''}\n`,
  );
  if (tally.failed > 0) throw new CliError(`${tally.failed} of ${tally.acked + tally.failed} messages failed; first: ${tally.first}`);
}

/** The raw producer; deliveries time out with --timeout unless -X says otherwise. */
async function rawProducer(ctx: CliContext, options: ProduceOptions): Promise<KafkaProducer> {
  const connection = await ctx.connection('producer');
  const config = { 'message.timeout.ms': options.timeout, ...connection.config };
  return ctx.track(new KafkaProducer(config, ctx.clientOptions(connection)));
}

/**
 * Raw messages: fire-and-forget sends with one delivery callback each (sendBatch would
 * report only a batch's first failure), so that every failed message is counted.
 */
async function produceMessages(ctx: CliContext, producer: KafkaProducer, topic: string, options: ProduceOptions, input: LineSource, tally: Tally): Promise<void> {
  const defaults: MessageDefaults = { topic, key: options.key, keySeparator: options.keySeparator, headers: options.header ?? [], partition: options.partition };
  const parse = options.format === 'json' ? jsonMessage : lineMessage;
  let lineNo = 0;
  for await (const line of input.lines) {
    if (ctx.interrupted) break;
    lineNo++;
    if (options.format === 'json' && line.trim() === '') continue;
    let message: OutgoingMessage;
    try {
      message = parse(line, defaults);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      tally.fail(`line ${lineNo}`, e);
      continue;
    }
    const where = `line ${lineNo}`;
    await send(producer, message, (error) => (error ? tally.fail(where, error) : tally.acked++), (e) => tally.fail(where, e));
  }
  await producer.flush({ timeoutMs: options.timeout + 10_000 }).catch((e: unknown) => {
    // What is left fails in close() and is counted by its callbacks.
    ctx.diagnostics.print(`flush: ${(e as Error).message}`);
  });
  await producer.close({ timeoutMs: 0 });
}

/** One message, waiting for room in librdkafka's queue when it is full. */
async function send(producer: KafkaProducer, message: OutgoingMessage, report: (error: KafkaError | null) => void, refused: (e: unknown) => void): Promise<void> {
  for (;;) {
    try {
      producer.produce(message, report);
      return;
    } catch (e) {
      if (!(e instanceof KafkaError) || e.code !== ErrorCode.QUEUE_FULL) {
        refused(e);
        return;
      }
    }
    await producer.waitForRoom();
  }
}

/** Topic-layer events through a TopicProducer, at most {@link EVENT_WINDOW} in flight. */
async function produceEvents(ctx: CliContext, topic: string, options: ProduceOptions, input: LineSource, tally: Tally): Promise<void> {
  const driver = await ctx.driver(options.namespace);
  const handle = await driver.openTopic(topic);
  const producer = handle.producer({ maxPending: EVENT_WINDOW });
  const inFlight: Array<Promise<unknown>> = [];
  let lineNo = 0;
  for await (const line of input.lines) {
    if (ctx.interrupted) break;
    lineNo++;
    if (line.trim() === '') continue;
    const where = `line ${lineNo}`;
    let event;
    try {
      event = eventLine(line, options.partition);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      tally.fail(where, e);
      continue;
    }
    const push = producer.push(event.metadata, event.data, event.partition === undefined ? {} : { partition: event.partition }).then(
      () => tally.acked++,
      (e: unknown) => tally.fail(where, e),
    );
    inFlight.push(push);
    // Pushes settle about in order: waiting for the oldest keeps the window bounded.
    if (inFlight.length >= EVENT_WINDOW) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.close();
}
