/** `octokafka mock`: an embedded cluster in the foreground, for other commands and clients. */
import { Command, InvalidArgumentError } from 'commander';

import { runMockProcess } from '../testing/mock-cluster-process';
import { positiveInt } from './options';

/** Parses a repeated `--topic name[:partitions]`. */
function topicSpec(spec: string, previous: Array<{ name: string; partitions: number }> = []): Array<{ name: string; partitions: number }> {
  const [name, parts, ...rest] = spec.split(':');
  const partitions = parts === undefined ? 1 : Number(parts);
  if (!name || rest.length > 0 || !Number.isSafeInteger(partitions) || partitions < 1) throw new InvalidArgumentError('expected name[:partitions], e.g. events:3.');
  return [...previous, { name, partitions }];
}

/** The `mock` command. */
export function mockCommand(): Command {
  return new Command('mock')
    .description('run an embedded Kafka cluster in the foreground; prints "bootstrap.servers=host:port,..." once it is up')
    .option('-b, --brokers <n>', 'number of brokers', positiveInt, 1)
    .option('-t, --topic <name[:partitions]>', 'a topic to create at start (repeatable)', topicSpec)
    .option('--partition-max-bytes <n>', 'bytes of records each partition keeps before deleting the oldest (default 5 MiB)', positiveInt)
    .addHelpText(
      'after',
      `
Runs until Ctrl-C, SIGTERM, or the end of its standard input when that is not a terminal.
Other commands use it with --bootstrap-servers (or KAFKA_BOOTSTRAP_SERVERS); on this
machine they can also create topics on it (\`octokafka topic create\`, KafkaAdmin.createTopics),
which librdkafka's mock brokers cannot do over the Kafka protocol.

Example:
  octokafka mock --brokers 3 --topic events:6`,
    )
    .action(async (options: { brokers: number; topic?: Array<{ name: string; partitions: number }>; partitionMaxBytes?: number }) => {
      await runMockProcess({ brokers: options.brokers, topics: options.topic ?? [], partitionMaxBytes: options.partitionMaxBytes });
    });
}
