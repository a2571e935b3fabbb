#!/usr/bin/env node
/**
 * Runs a MockCluster in its own process, for benchmarks and other clients:
 *
 *   node node_modules/octokafka/dist/cjs/testing/mock-cluster-process.js --brokers 3 --topic events:6
 *
 * Prints one line, `bootstrap.servers=<host:port,...>`, once the brokers listen and the
 * topics exist, then runs until SIGINT/SIGTERM or until its stdin closes (so a parent
 * that dies takes it along when it was started with a pipe). Clients on this machine can
 * create more topics through its control socket (see ./mock-control): `KafkaAdmin.createTopics`
 * and `octokafka topic create` do.
 */
import { parseArgs } from 'node:util';

import { MockCluster } from './mock-cluster';
import { serveMockControl } from './mock-control';

export interface MockProcessArgs {
  brokers: number;
  topics: Array<{ name: string; partitions: number }>;
  /** See {@link MockClusterOptions.partitionMaxBytes}. */
  partitionMaxBytes?: number;
}

/** Parses `--brokers N`, repeated `--topic name[:partitions]` and `--partition-max-bytes N`. */
export function parseMockArgs(argv: string[]): MockProcessArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      brokers: { type: 'string', short: 'b', default: '1' },
      topic: { type: 'string', short: 't', multiple: true, default: [] },
      'partition-max-bytes': { type: 'string' },
    },
    strict: true,
  });
  const brokers = Number(values.brokers);
  if (!Number.isInteger(brokers) || brokers < 1) throw new TypeError(`--brokers must be a positive integer, got ${values.brokers}`);
  const topics = (values.topic ?? []).map((spec) => {
    const [name, parts] = spec.split(':');
    const partitions = parts === undefined ? 1 : Number(parts);
    if (!name || !Number.isInteger(partitions) || partitions < 1) throw new TypeError(`--topic expects name[:partitions], got ${spec}`);
    return { name, partitions };
  });
  const maxBytes = values['partition-max-bytes'];
  if (maxBytes === undefined) return { brokers, topics };
  const partitionMaxBytes = Number(maxBytes);
  if (!Number.isSafeInteger(partitionMaxBytes) || partitionMaxBytes < 1) throw new TypeError(`--partition-max-bytes must be a positive integer, got ${maxBytes}`);
  return { brokers, topics, partitionMaxBytes };
}

/**
 * Starts the cluster, prints its bootstrap servers, and stops it on a signal or stdin EOF.
 * @param args command-line arguments, or the parsed options.
 */
export async function runMockProcess(args: string[] | MockProcessArgs): Promise<void> {
  const { brokers, topics, partitionMaxBytes } = Array.isArray(args) ? parseMockArgs(args) : args;
  const cluster = await MockCluster.start({ brokers, topics, partitionMaxBytes });
  const control = await serveMockControl(cluster).catch(async (e: unknown) => {
    await cluster.close();
    throw e;
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void control
      .close()
      .then(() => cluster.close())
      .then(() => process.exit(0));
  };
  // Handlers first: whoever reads the line below may signal right away.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!process.stdin.isTTY) {
    process.stdin.on('end', stop).on('error', stop).resume();
  }
  process.stdout.write(`bootstrap.servers=${cluster.bootstrapServers}\n`);
}

if (require.main === module) {
  runMockProcess(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`octokafka mock: ${(e as Error).message}\n`);
    process.exit(2);
  });
}
