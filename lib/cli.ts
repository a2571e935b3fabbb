#!/usr/bin/env node
/**
 * The `octokafka` command. Subcommands:
 *   octokafka mock [--brokers N] [--topic name[:partitions] ...]
 *       runs an embedded Kafka cluster in the foreground and prints its bootstrap servers.
 *   octokafka version
 */
import { runMockProcess } from './mock-cluster-process';
import { librdkafkaVersion } from './version';

const usage = `usage: octokafka <command>

commands:
  mock [--brokers N] [--topic name[:partitions] ...]
        run an embedded Kafka cluster; prints bootstrap.servers=host:port,...
  version
        print octokafka's and librdkafka's versions
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'mock':
      await runMockProcess(rest);
      return -1; // keeps running
    case 'version': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require('../../package.json') as { version: string };
      process.stdout.write(`octokafka ${pkg.version} (librdkafka ${librdkafkaVersion()})\n`);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(usage);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`octokafka: unknown command ${JSON.stringify(command)}\n\n${usage}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`octokafka: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
