/**
 * Interoperability with the Java client, through Kafka's own console tools run as child
 * processes (the jars scripts/kafka.sh resolved; OCTOKAFKA_KAFKA_CLASSPATH names them):
 * what octokafka writes the Java consumer reads, what the Java producer writes octokafka reads,
 * and keyed messages land on the same partition either way (murmur2, the Java client's default
 * partitioner, which octokafka uses too).
 */
import { spawnSync } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaAdmin, KafkaConsumer, KafkaProducer } from '../lib/index';
import { javaPartition } from '../lib/murmur2';
import { realCluster, unique } from './helpers';

const classpath = process.env.OCTOKAFKA_KAFKA_CLASSPATH || undefined;
const javaFound = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const ready = realCluster && classpath !== undefined && javaFound;
const NEEDS = 'needs the test broker (npm run kafka -- start: KAFKA_BOOTSTRAP_SERVERS and OCTOKAFKA_KAFKA_CLASSPATH) and java';

const servers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '';
const PARTITIONS = 4;
const COUNT = 40;

/** Runs one of Kafka's tools; returns its stdout (throws with its stderr when it fails). */
function tool(mainClass: string, args: string[], input?: string): string {
  const r = spawnSync('java', ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', classpath!, mainClass, ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`${mainClass} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!ready)(ready ? 'Java client interoperability (Kafka console tools)' : `Java client interoperability — skipped: ${NEEDS}`, () => {
  let admin: KafkaAdmin;
  beforeAll(() => {
    admin = new KafkaAdmin({ 'bootstrap.servers': servers });
  });
  afterAll(async () => {
    await admin?.close();
  });

  async function newTopic(prefix: string): Promise<string> {
    const topic = unique(prefix);
    await admin.createTopics([{ topic, numPartitions: PARTITIONS }]);
    return topic;
  }

  it('octokafka writes keyed messages, the Java consumer reads each from the partition murmur2 gives', async () => {
    const topic = await newTopic('interop-to-java');
    const producer = new KafkaProducer({ 'bootstrap.servers': servers });
    const sent = new Map<string, { value: string; partition: number }>();
    try {
      for (let i = 0; i < COUNT; i++) {
        const key = `key-${i}`;
        const value = `value ${i} from octokafka`;
        const report = await producer.send({ topic, key, value });
        sent.set(key, { value, partition: report.partition });
      }
    } finally {
      await producer.close();
    }
    const out = tool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server', servers, '--topic', topic, '--from-beginning', '--max-messages', String(COUNT), '--timeout-ms', '30000',
      '--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'key.separator=|',
    ]);
    const read = out.trim().split('\n').map((line) => {
      const [partition, key, value] = line.split('|');
      return { partition: Number(partition!.replace('Partition:', '')), key: key!, value: value! };
    });
    expect(read).toHaveLength(COUNT);
    for (const m of read) {
      const expected = sent.get(m.key);
      expect(expected, `key ${m.key}`).toBeDefined();
      expect(m.value).toBe(expected!.value);
      expect(m.partition).toBe(expected!.partition);
      expect(m.partition).toBe(javaPartition(Buffer.from(m.key), PARTITIONS));
    }
    expect(new Set(read.map((m) => m.partition)).size).toBeGreaterThan(1);
  }, 120_000);

  it('the Java producer writes keyed messages, octokafka reads them from the partitions it would have chosen', async () => {
    const topic = await newTopic('interop-from-java');
    const lines = Array.from({ length: COUNT }, (_, i) => `key-${i}|value ${i} from java`).join('\n');
    tool('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', servers, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=|'], `${lines}\n`);

    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('interop'), 'auto.offset.reset': 'earliest', 'enable.auto.commit': false });
    const read: Array<{ key: string; value: string; partition: number }> = [];
    try {
      await consumer.subscribe([topic]);
      const deadline = Date.now() + 30_000;
      while (read.length < COUNT && Date.now() < deadline) {
        for (const m of await consumer.consumeBatch(COUNT, { timeoutMs: 500 })) read.push({ key: m.key!.toString(), value: m.value!.toString(), partition: m.partition });
      }
    } finally {
      await consumer.close();
    }
    expect(read).toHaveLength(COUNT);
    const byKey = new Map(read.map((m) => [m.key, m]));
    for (let i = 0; i < COUNT; i++) {
      const m = byKey.get(`key-${i}`);
      expect(m?.value).toBe(`value ${i} from java`);
      expect(m?.partition).toBe(javaPartition(Buffer.from(`key-${i}`), PARTITIONS));
    }
  }, 120_000);
});
