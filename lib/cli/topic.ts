/** `octokafka topic create|list|info|delete`: topics of the topic layer (Driver). */
import { Command } from 'commander';

import { Offset } from '../core/message';
import { COMPONENT_KINDS, componentDescriptions, parseComponent, parseSetting, type ComponentSetting } from './components';
import { withContext, type CliContext } from './context';
import { jsonWithBigInts, table } from './format';
import { positiveInt, withConnectionOptions, type ConnectionOptions } from './options';
import type { ComponentDescription } from '../topic/components';

interface TopicOptions extends ConnectionOptions {
  namespace?: string;
  timeout: number;
  json?: boolean;
}

interface CreateOptions extends TopicOptions {
  partitions: number;
  replicationFactor?: number;
  validator?: ComponentDescription;
  selector?: ComponentDescription;
  serializer?: ComponentDescription;
  option?: ComponentSetting[];
}

const COMPONENT_HELP = `
Components are given as JSON or as a type name, and -o sets single fields (dotted paths;
a value that parses as JSON is JSON, anything else a string):
  --validator '{"type":"schema","schema":{"type":"object","required":["user"]}}'
  --selector key -o selector.field=user
Built in: validators default, schema, eventbridge; selectors default (hint % N, else
round-robin), key (murmur2 of a metadata field); serializers default (JSON), schema.`;

function topicCommand(name: string, description: string): Command {
  return withConnectionOptions(
    new Command(name)
      .description(description)
      .option('--namespace <ns>', 'topic namespace (Kafka names are <ns>.<name>)')
      .option('--timeout <ms>', 'how long to wait for the cluster', positiveInt, 10_000),
  );
}

/** Stops early with a clear message when the cluster cannot be reached. */
async function connect(ctx: CliContext, options: TopicOptions) {
  await ctx.reach(options.timeout);
  return ctx.driver(options.namespace);
}

function describe(d: ComponentDescription): string {
  return JSON.stringify(d);
}

/** Registers `topic` and its subcommands. */
export function topicCommands(): Command {
  const topic = new Command('topic').description('create, list, inspect and delete topics of the topic layer (with their validator, selector and serializer)');

  topic.addCommand(
    topicCommand('create', 'create a topic and its info topic, with its components')
      .argument('<name>', 'topic name')
      .option('-p, --partitions <n>', 'number of partitions', positiveInt, 1)
      .option('-r, --replication-factor <n>', "replication factor (default: the broker's)", positiveInt)
      .option('--validator <json|type>', 'validator description', parseComponent)
      .option('--selector <json|type>', 'partition selector description', parseComponent)
      .option('--serializer <json|type>', 'serializer description', parseComponent)
      .option('-o, --option <kind.path=value>', 'one field of a component description (repeatable)', parseSetting)
      .addHelpText('after', COMPONENT_HELP)
      .action(async (name: string, options: CreateOptions) => {
        process.exitCode = await withContext(options, async (ctx) => {
          const driver = await connect(ctx, options);
          const components = componentDescriptions(options, options.option ?? []);
          const handle = await driver.createTopic(name, {
            num_partitions: options.partitions,
            replication_factor: options.replicationFactor,
            ...components,
          });
          process.stdout.write(
            `created topic ${JSON.stringify(name)} (${handle.partitions.length} partition${handle.partitions.length === 1 ? '' : 's'}; ` +
              `validator ${describe(handle.validator.description)}, selector ${describe(handle.selector.description)}, serializer ${describe(handle.serializer.description)})\n`,
          );
        });
      }),
  );

  topic.addCommand(
    topicCommand('list', 'list the topics of the topic layer with their partitions and components')
      .option('--json', 'print JSON')
      .action(async (options: TopicOptions) => {
        process.exitCode = await withContext(options, async (ctx) => {
          const driver = await connect(ctx, options);
          const topics = await driver.listTopics();
          if (options.json) {
            process.stdout.write(`${JSON.stringify(topics, null, 2)}\n`);
            return;
          }
          if (topics.length === 0) {
            process.stdout.write('no topics\n');
            return;
          }
          const rows = [['TOPIC', 'PARTITIONS', 'VALIDATOR', 'SELECTOR', 'SERIALIZER']];
          for (const t of topics) rows.push([t.name, String(t.num_partitions), describe(t.validator), describe(t.selector), describe(t.serializer)]);
          process.stdout.write(`${table(rows)}\n`);
        });
      }),
  );

  topic.addCommand(
    topicCommand('info', "show a topic's components and partitions (leaders, replicas, offsets)")
      .argument('<name>', 'topic name')
      .option('--json', 'print JSON')
      .action(async (name: string, options: TopicOptions) => {
        process.exitCode = await withContext(options, async (ctx) => {
          const driver = await connect(ctx, options);
          const handle = await driver.openTopic(name);
          const admin = await ctx.admin(options.timeout);
          const [description] = await admin.describeTopics([handle.kafkaTopic], { timeoutMs: options.timeout });
          const partitions = description?.partitions ?? [];
          const specs = partitions.map((p) => ({ topic: handle.kafkaTopic, partition: p.partition }));
          const [low, high] = await Promise.all([
            admin.listOffsets(specs.map((s) => ({ ...s, spec: 'earliest' as const })), { timeoutMs: options.timeout }),
            admin.listOffsets(specs.map((s) => ({ ...s, spec: 'latest' as const })), { timeoutMs: options.timeout }),
          ]);
          const info = {
            name: handle.name,
            kafkaTopic: handle.kafkaTopic,
            validator: handle.validator.description,
            selector: handle.selector.description,
            serializer: handle.serializer.description,
            partitions: partitions.map((p, i) => ({
              partition: p.partition,
              leader: p.leader,
              replicas: p.replicas,
              isr: p.isr,
              low: low[i]?.offset ?? Offset.INVALID,
              high: high[i]?.offset ?? Offset.INVALID,
            })),
          };
          if (options.json) {
            process.stdout.write(`${jsonWithBigInts(info, 2)}\n`);
            return;
          }
          const lines = [
            `topic ${JSON.stringify(info.name)}${info.kafkaTopic === info.name ? '' : ` (Kafka topic ${info.kafkaTopic})`}`,
            ...COMPONENT_KINDS.map((k) => `  ${k.padEnd(10)} ${describe(info[k])}`),
            `  partitions ${info.partitions.length}`,
            table(
              [['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'LOW', 'HIGH'], ...info.partitions.map((p) => [String(p.partition), String(p.leader), p.replicas.join(','), p.isr.join(','), String(p.low), String(p.high)])],
              '    ',
            ),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        });
      }),
  );

  topic.addCommand(
    topicCommand('delete', 'delete a topic and its info topic')
      .argument('<name>', 'topic name')
      .action(async (name: string, options: TopicOptions) => {
        process.exitCode = await withContext(options, async (ctx) => {
          const driver = await connect(ctx, options);
          await driver.deleteTopic(name);
          process.stdout.write(`deleted topic ${JSON.stringify(name)}\n`);
        });
      }),
  );

  return topic;
}
