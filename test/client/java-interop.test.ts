/**
 * Interoperability with the Java client (kafka-clients, the reference every Kafka user trusts),
 * run as child processes against the test broker (scripts/kafka.sh; OCTOKAFKA_KAFKA_CLASSPATH
 * names the jars it resolved):
 * - Kafka's console tools: keyed text messages each way, on murmur2's partitions;
 * - the small programs of test/java (compiled once per run with javac, each driven by a script
 *   on stdin so that one JVM serves many cases): keys, binary values, headers, timestamps, empty
 *   and null keys and values, compared field by field each way; every compression codec each way,
 *   with the batches on the broker's disk checked to carry that codec (Kafka's DumpLogSegments);
 *   keyed partitioning for several partition counts; committed and aborted transactions under
 *   read_committed each way; the topic layer's events decoded from the wire format in Java, and
 *   its `__info_` records.
 * On the mock cluster these tests skip (they need a broker Java can reach). With a real broker
 * (KAFKA_BOOTSTRAP_SERVERS set) they never skip: a missing java, javac or classpath fails them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { Driver, KafkaAdmin, KafkaConsumer, KafkaProducer, type Message } from '../../lib/index';
import { javaPartition } from '../../lib/util/murmur2';
import { realCluster, unique } from '../helpers';

const classpath = process.env.OCTOKAFKA_KAFKA_CLASSPATH || undefined;
const NEEDS = 'needs the test broker (npm run kafka -- start: KAFKA_BOOTSTRAP_SERVERS and OCTOKAFKA_KAFKA_CLASSPATH), java and javac';

const servers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '';
const PARTITIONS = 4;
const COUNT = 40;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const PARTITION_COUNTS = [1, 3, 7, 16];
const JVM_FLAGS = ['-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1'];

/** What is missing to run the Java programs, or undefined. */
function missingJava(): string | undefined {
  if (classpath === undefined) return 'OCTOKAFKA_KAFKA_CLASSPATH is not set (scripts/kafka.sh start prints it)';
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) return 'java is not installed (Java 17+)';
  if (spawnSync('javac', ['-version'], { stdio: 'ignore' }).status !== 0) return 'javac is not installed (a JDK 17+, e.g. openjdk-17-jdk-headless)';
  return undefined;
}

/** Runs one of Kafka's tools; returns its stdout (throws with its stderr when it fails). */
function tool(mainClass: string, args: string[], input?: string): string {
  const r = spawnSync('java', [...JVM_FLAGS, '-cp', classpath!, mainClass, ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`${mainClass} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a JVM without blocking the event loop (octokafka clients may be running meanwhile). */
function runJava(args: string[], input: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', [...JVM_FLAGS, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`java ${args.at(-2) ?? ''} exited with ${code ?? signal}: ${err}`));
    });
    child.stdin.end(input);
  });
}

function jsonLines<T>(out: string): T[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}

/** Bytes as the Java programs' scripts and outputs spell them. */
function field(b: Buffer | null): string {
  if (b === null) return 'null';
  return b.length === 0 ? 'empty' : b.toString('hex');
}
function hexOrNull(b: Buffer | null): string | null {
  return b === null ? null : b.toString('hex');
}

/** JSON with object keys sorted and no whitespace: how Octopus (nlohmann) writes its records. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** One message of the field-by-field cases. */
interface Case {
  id: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number;
}

/** A line of InteropConsume's raw output. */
interface JavaRecord {
  topic: string;
  isolation: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

/** A line of InteropProduce's output. */
interface JavaSent {
  id: string;
  partition: number;
  offset: number;
  timestamp: number;
}

/** The cases: every field kind, with bytes no text encoding would keep. */
function cases(): Case[] {
  // Create times an hour back, one second apart: explicit, distinct from the broker's clock,
  // and inside the broker's accepted window and the topic's retention.
  const base = Date.now() - 3_600_000;
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const list: Array<Omit<Case, 'timestamp'>> = [
    { id: 'text', key: Buffer.from('user-1'), value: Buffer.from('hello from one client to the other'), headers: [['source', Buffer.from('interop')]] },
    { id: 'binary', key: allBytes, value: Buffer.concat([allBytes, randomBytes(64 * 1024)]), headers: [] },
    {
      id: 'headers',
      key: Buffer.from('h'),
      value: Buffer.from('several headers'),
      headers: [
        ['trace', Buffer.from('first')],
        ['bin', Buffer.from([0, 255, 1, 254, 0x80])],
        ['trace', Buffer.from('second')],
        ['no-value', null],
        ['empty-value', Buffer.alloc(0)],
        ['ünïcødé ☃', Buffer.from('ünïcødé')],
        ['trace', Buffer.from('third')],
      ],
    },
    { id: 'empty-key', key: Buffer.alloc(0), value: Buffer.from('an empty key'), headers: [] },
    { id: 'null-key', key: null, value: randomBytes(100), headers: [['k', Buffer.from('v')]] },
    { id: 'empty-value', key: Buffer.from('ev'), value: Buffer.alloc(0), headers: [] },
    { id: 'null-value', key: Buffer.from('tombstone'), value: null, headers: [] },
    { id: 'all-empty', key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [] },
    { id: 'all-null', key: null, value: null, headers: [] },
  ];
  return list.map((c, i) => ({ ...c, timestamp: base + i * 1000 }));
}

/** A script line of InteropProduce sending one message. */
function sendLine(id: string, topic: string, m: { key: Buffer | null; value: Buffer | null; headers?: Array<[string, Buffer | null]>; timestamp?: number; partition?: number }): string {
  const headers = (m.headers ?? []).map(([name, v]) => `${Buffer.from(name).toString('hex')}=${field(v)}`);
  return ['send', id, topic, m.partition ?? '-', m.timestamp ?? '-', field(m.key), field(m.value), ...headers].join(' ');
}

describe.skipIf(!realCluster)(realCluster ? 'Java client interoperability' : `Java client interoperability — skipped: ${NEEDS}`, () => {
  let admin: KafkaAdmin;
  let classes: string;
  let javaClasspath: string;
  beforeAll(async () => {
    // With a real broker these tests must run: say what is missing instead of skipping.
    const missing = missingJava();
    if (missing) throw new Error(`Java interoperability tests cannot run: ${missing}`);
    admin = new KafkaAdmin({ 'bootstrap.servers': servers });
    classes = mkdtempSync(join(tmpdir(), 'octokafka-java-'));
    const sources = join(__dirname, '..', 'java');
    const files = readdirSync(sources).filter((f) => f.endsWith('.java')).map((f) => join(sources, f));
    const r = spawnSync('javac', ['-d', classes, '-cp', classpath!, ...files], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`javac failed: ${r.stderr}`);
    javaClasspath = `${classes}:${classpath!}`;
  }, 150_000);
  afterAll(async () => {
    await admin?.close();
    if (classes) rmSync(classes, { recursive: true, force: true });
  });

  async function newTopic(prefix: string, partitions = PARTITIONS): Promise<string> {
    const topic = unique(prefix);
    await admin.createTopics([{ topic, numPartitions: partitions }]);
    return topic;
  }

  /** InteropProduce with a script; its per-send results by id. */
  async function javaProduce(script: string[]): Promise<Map<string, JavaSent>> {
    const out = await runJava(['-cp', javaClasspath, 'InteropProduce', servers], `${script.join('\n')}\n`);
    return new Map(jsonLines<JavaSent>(out).map((s) => [s.id, s]));
  }

  /** InteropConsume reading whole topics; its records in the order read. */
  async function javaConsume(topics: Array<{ topic: string; isolation?: 'read_committed' | 'read_uncommitted' }>): Promise<JavaRecord[]> {
    const script = topics.map((t) => `${t.isolation ?? 'read_uncommitted'} ${t.topic}`).join('\n');
    return jsonLines<JavaRecord>(await runJava(['-cp', javaClasspath, 'InteropConsume', servers], `${script}\n`));
  }

  /** Reads a topic's partitions from the beginning with octokafka until `done` says so (or 60 s pass). */
  async function octoRead(topic: string, partitions: number, done: (read: Message[]) => boolean, isolation: 'read_committed' | 'read_uncommitted' = 'read_uncommitted'): Promise<Message[]> {
    const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('interop'), 'enable.auto.commit': false, 'isolation.level': isolation });
    const read: Message[] = [];
    try {
      await consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: -2n })));
      const deadline = Date.now() + 60_000;
      while (!done(read) && Date.now() < deadline) read.push(...(await consumer.consumeBatch(1000, { timeoutMs: 500 })));
    } finally {
      await consumer.close();
    }
    return read;
  }

  /** The compression codec of every record batch of a topic's partitions, from the broker's log files. */
  async function codecsOnDisk(topics: string[]): Promise<Map<string, string[]>> {
    const cluster = await admin.describeCluster();
    const [config] = await admin.describeConfigs([{ type: 'broker', name: String(cluster.brokers[0]!.id) }]);
    // log.dirs wins over log.dir (whose default is /tmp/kafka-logs) when set, as in the broker.
    const value = (name: string) => config!.entries.find((e) => e.name === name)?.value ?? undefined;
    const logDirs = value('log.dirs') ?? value('log.dir');
    expect(logDirs, 'the broker reports its log.dirs').toBeTruthy();
    const files: Array<{ topic: string; file: string }> = [];
    for (const topic of topics) {
      const dir = logDirs!
        .split(',')
        .map((d) => join(d, `${topic}-0`))
        .find((d) => existsSync(d));
      if (!dir) throw new Error(`no log folder of ${topic} under ${logDirs!} (the compression checks read the broker's files: run them on the machine of scripts/kafka.sh's broker)`);
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) files.push({ topic, file: join(dir, f) });
    }
    // One JVM for all files; DumpLogSegments prints "Dumping <file>" then one line per batch.
    const out = tool('kafka.tools.DumpLogSegments', ['--files', files.map((f) => f.file).join(',')]);
    const byTopic = new Map<string, string[]>(topics.map((t) => [t, []]));
    let current: string | undefined;
    for (const line of out.split('\n')) {
      const dumping = /^Dumping (.*)$/.exec(line);
      if (dumping) current = files.find((f) => f.file === dumping[1]!.trim())?.topic;
      const codec = /compresscodec: (\w+)/.exec(line);
      if (codec && current) byTopic.get(current)!.push(codec[1]!.toLowerCase());
    }
    return byTopic;
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
    // Kafka 4 moved the console producer from the core module to the tools module.
    const consoleProducer = process.env.OCTOKAFKA_KAFKA_LINE === '3' ? 'kafka.tools.ConsoleProducer' : 'org.apache.kafka.tools.ConsoleProducer';
    tool(consoleProducer, ['--bootstrap-server', servers, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=|'], `${lines}\n`);

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

  it('octokafka writes keys, binary values, headers, create times, empty and null keys and values: the Java consumer reads every field as written', async () => {
    const topic = await newTopic('interop-fields-to-java', 3);
    const all = cases();
    const producer = new KafkaProducer({ 'bootstrap.servers': servers });
    const reports = new Map<string, { partition: number; offset: bigint }>();
    try {
      for (const c of all) reports.set(c.id, await producer.send({ topic, key: c.key, value: c.value, headers: c.headers, timestamp: c.timestamp }));
    } finally {
      await producer.close();
    }
    const records = await javaConsume([{ topic }]);
    expect(records).toHaveLength(all.length);
    for (const c of all) {
      const r = reports.get(c.id)!;
      const j = records.find((x) => x.partition === r.partition && x.offset === Number(r.offset));
      expect(j, `${c.id} at ${r.partition}/${r.offset}`).toBeDefined();
      expect({ id: c.id, key: j!.key, value: j!.value, headers: j!.headers, timestamp: j!.timestamp, timestampType: j!.timestampType }).toEqual({
        id: c.id,
        key: hexOrNull(c.key),
        value: hexOrNull(c.value),
        headers: c.headers.map(([name, v]) => [name, hexOrNull(v)]),
        timestamp: c.timestamp,
        timestampType: 'CreateTime',
      });
      // Keyed (an empty key is a key): the partition Java's partitioner gives.
      if (c.key !== null) expect(j!.partition, `${c.id}: murmur2's partition`).toBe(javaPartition(c.key, 3));
    }
  }, 120_000);

  it('the Java producer writes keys, binary values, headers, create times, empty and null keys and values: octokafka reads every field as written', async () => {
    const topic = await newTopic('interop-fields-from-java', 3);
    const all = cases();
    const sent = await javaProduce(['producer', ...all.map((c) => sendLine(c.id, topic, c))]);
    expect(sent.size).toBe(all.length);
    const read = await octoRead(topic, 3, (r) => r.length >= all.length);
    expect(read).toHaveLength(all.length);
    for (const c of all) {
      const s = sent.get(c.id)!;
      const m = read.find((x) => x.partition === s.partition && x.offset === BigInt(s.offset));
      expect(m, `${c.id} at ${s.partition}/${s.offset}`).toBeDefined();
      expect({ id: c.id, key: hexOrNull(m!.key), value: hexOrNull(m!.value), headers: m!.headers.map(([n, v]) => [n, hexOrNull(v)]), timestamp: m!.timestamp }).toEqual({
        id: c.id,
        key: hexOrNull(c.key),
        value: hexOrNull(c.value),
        headers: c.headers.map(([name, v]) => [name, hexOrNull(v)]),
        timestamp: c.timestamp,
      });
      expect(s.timestamp, `${c.id}: Java kept the create time`).toBe(c.timestamp);
      if (c.key !== null) expect(s.partition, `${c.id}: Java's partitioner agrees with javaPartition`).toBe(javaPartition(c.key, 3));
    }
  }, 120_000);

  /** Compressible values (the codecs must have something to do), each distinct. */
  const codecValues = Array.from({ length: 300 }, (_, i) => Buffer.from(JSON.stringify({ i, text: `record ${i} `.repeat(30) })));

  it('octokafka compresses with gzip, snappy, lz4 and zstd: the broker stores batches of that codec and the Java consumer reads every value', async () => {
    const topics = new Map(CODECS.map((codec) => [codec, unique(`interop-${codec}-to-java`)]));
    await admin.createTopics([...topics.values()].map((topic) => ({ topic, numPartitions: 1 })));
    for (const [codec, topic] of topics) {
      const producer = new KafkaProducer({ 'bootstrap.servers': servers, 'compression.type': codec, 'linger.ms': 20 });
      try {
        await producer.sendBatch(codecValues.map((value, i) => ({ topic, key: `k${i}`, value })));
      } finally {
        await producer.close();
      }
    }
    const records = await javaConsume([...topics.values()].map((topic) => ({ topic })));
    const disk = await codecsOnDisk([...topics.values()]);
    for (const [codec, topic] of topics) {
      const values = records.filter((r) => r.topic === topic).map((r) => r.value);
      expect(values, codec).toEqual(codecValues.map((v) => v.toString('hex')));
      expect(disk.get(topic)!.length, `${codec}: batches on disk`).toBeGreaterThan(0);
      expect(new Set(disk.get(topic)), `${codec}: the codec of every batch`).toEqual(new Set([codec]));
    }
  }, 180_000);

  it('the Java producer compresses with gzip, snappy, lz4 and zstd: the broker stores batches of that codec and octokafka reads every value', async () => {
    const topics = new Map(CODECS.map((codec) => [codec, unique(`interop-${codec}-from-java`)]));
    await admin.createTopics([...topics.values()].map((topic) => ({ topic, numPartitions: 1 })));
    const script: string[] = [];
    for (const [codec, topic] of topics) {
      script.push(`producer compression.type=${codec}`);
      codecValues.forEach((value, i) => script.push(sendLine(`${codec}:${i}`, topic, { key: Buffer.from(`k${i}`), value })));
      script.push('flush');
    }
    const sent = await javaProduce(script);
    expect(sent.size).toBe(CODECS.length * codecValues.length);
    const disk = await codecsOnDisk([...topics.values()]);
    for (const [codec, topic] of topics) {
      const read = await octoRead(topic, 1, (r) => r.length >= codecValues.length);
      expect(read.map((m) => m.value!.toString('hex')), codec).toEqual(codecValues.map((v) => v.toString('hex')));
      expect(disk.get(topic)!.length, `${codec}: batches on disk`).toBeGreaterThan(0);
      expect(new Set(disk.get(topic)), `${codec}: the codec of every batch`).toEqual(new Set([codec]));
    }
  }, 180_000);

  it(`keyed messages land on the same partition from octokafka and from the Java producer, for ${PARTITION_COUNTS.join(', ')} partitions, and each side reads the other's there`, async () => {
    const keys = [...Array.from({ length: 60 }, (_, i) => Buffer.from(`customer-${i}`)), ...Array.from({ length: 20 }, () => randomBytes(1 + (randomBytes(1)[0]! % 40))), Buffer.alloc(0)];
    const toJava = new Map(PARTITION_COUNTS.map((n) => [n, unique(`interop-keys${n}-to-java`)]));
    const fromJava = new Map(PARTITION_COUNTS.map((n) => [n, unique(`interop-keys${n}-from-java`)]));
    await admin.createTopics(PARTITION_COUNTS.flatMap((n) => [toJava, fromJava].map((t) => ({ topic: t.get(n)!, numPartitions: n }))));

    const octoPartitions = new Map<number, number[]>();
    const producer = new KafkaProducer({ 'bootstrap.servers': servers });
    try {
      for (const n of PARTITION_COUNTS) {
        const reports = await producer.sendBatch(keys.map((key, i) => ({ topic: toJava.get(n)!, key, value: `${i}` })));
        octoPartitions.set(n, reports.map((r) => r.partition));
      }
    } finally {
      await producer.close();
    }
    const sent = await javaProduce(['producer', ...PARTITION_COUNTS.flatMap((n) => keys.map((key, i) => sendLine(`${n}:${i}`, fromJava.get(n)!, { key, value: Buffer.from(`${i}`) })))]);
    const javaRead = await javaConsume([...toJava.values()].map((topic) => ({ topic })));

    for (const n of PARTITION_COUNTS) {
      const javaPartitions = keys.map((_, i) => sent.get(`${n}:${i}`)!.partition);
      expect(octoPartitions.get(n), `${n} partitions: octokafka's choice is Java's`).toEqual(javaPartitions);
      expect(javaPartitions, `${n} partitions: javaPartition is Java's choice`).toEqual(keys.map((k) => javaPartition(k, n)));
      if (n > 1) expect(new Set(javaPartitions).size, `${n} partitions: several used`).toBeGreaterThan(1);
      // Each side reads the other's messages on those partitions.
      const records = javaRead.filter((r) => r.topic === toJava.get(n));
      expect(records).toHaveLength(keys.length);
      for (const r of records) expect(r.partition).toBe(javaPartitions[Number(Buffer.from(r.value!, 'hex').toString())]);
      const read = await octoRead(fromJava.get(n)!, n, (r) => r.length >= keys.length);
      expect(read).toHaveLength(keys.length);
      for (const m of read) {
        const i = Number(m.value!.toString());
        expect(m.key!.equals(keys[i]!)).toBe(true);
        expect(m.partition).toBe(javaPartitions[i]);
      }
    }
  }, 180_000);

  /** Three transactions' values: committed, aborted, committed. */
  function transactionValues(): Record<'first' | 'aborted' | 'last', string[]> {
    const make = (name: string) => Array.from({ length: 15 }, (_, i) => `${name} ${i}`);
    return { first: make('committed first'), aborted: make('aborted'), last: make('committed last') };
  }

  it('a transactional octokafka producer commits, aborts, commits: a Java read_committed consumer sees the committed messages only', async () => {
    const topic = await newTopic('interop-txn-to-java', 3);
    const values = transactionValues();
    const producer = new KafkaProducer({ 'bootstrap.servers': servers, 'transactional.id': unique('interop-txn') });
    try {
      await producer.initTransactions();
      for (const [name, batch] of Object.entries(values)) {
        await producer.beginTransaction();
        await producer.sendBatch(batch.map((value, i) => ({ topic, key: `k${i}`, value })));
        if (name === 'aborted') await producer.abortTransaction();
        else await producer.commitTransaction();
      }
    } finally {
      await producer.close();
    }
    // commitTransaction returns once the commit is decided; the coordinator writes the markers
    // (and the last stable offset moves) just after. Java reads up to the last stable offset:
    // wait until it reaches the high watermark everywhere.
    const latest = (isolationLevel: 'read_committed' | 'read_uncommitted') =>
      admin.listOffsets(Array.from({ length: 3 }, (_, partition) => ({ topic, partition, spec: 'latest' as const })), { isolationLevel }).then((l) => l.map((o) => o.offset));
    await vi.waitFor(async () => expect(await latest('read_committed')).toEqual(await latest('read_uncommitted')), { timeout: 30_000, interval: 100 });
    const records = await javaConsume([{ topic, isolation: 'read_committed' }, { topic, isolation: 'read_uncommitted' }]);
    const text = (isolation: string) => records.filter((r) => r.isolation === isolation).map((r) => Buffer.from(r.value!, 'hex').toString()).sort();
    expect(text('read_committed')).toEqual([...values.first, ...values.last].sort());
    // The aborted messages are in the log (a read_uncommitted consumer sees them): read_committed filtered them.
    expect(text('read_uncommitted')).toEqual([...values.first, ...values.aborted, ...values.last].sort());
  }, 120_000);

  it('a transactional Java producer commits, aborts, commits: an octokafka read_committed consumer sees the committed messages only', async () => {
    const topic = await newTopic('interop-txn-from-java', 1);
    const values = transactionValues();
    const script = [`producer transactional.id=${unique('interop-java-txn')}`, 'init'];
    for (const [name, batch] of Object.entries(values)) {
      script.push('begin', ...batch.map((value, i) => sendLine(`${name}:${i}`, topic, { key: Buffer.from(`k${i}`), value: Buffer.from(value) })));
      script.push(name === 'aborted' ? 'abort' : 'commit');
    }
    await javaProduce(script);
    // One partition, in order: once the last committed message is read, an aborted message that
    // were delivered would have come before it.
    const lastValue = values.last.at(-1)!;
    const committed = await octoRead(topic, 1, (r) => r.some((m) => m.value?.toString() === lastValue), 'read_committed');
    expect(committed.map((m) => m.value!.toString())).toEqual([...values.first, ...values.last]);
    const all = values.first.length + values.aborted.length + values.last.length;
    const uncommitted = await octoRead(topic, 1, (r) => r.length >= all, 'read_uncommitted');
    expect(uncommitted.map((m) => m.value!.toString())).toEqual([...values.first, ...values.aborted, ...values.last]);
  }, 120_000);

  it('a topic created by the Driver: a plain Java consumer decodes every event of the wire format and the end-of-stream markers, and the three __info_ records are the documented JSON', async () => {
    const driver = await Driver.connect({ kafka: { 'bootstrap.servers': servers } });
    const name = unique('interop-octopus');
    const validator = { type: 'schema', schema: { type: 'object', required: ['i'], properties: { i: { type: 'integer' }, tag: { type: 'string' } } } };
    const selector = { type: 'default' };
    const serializer = { type: 'default' };
    const pushed: Array<{ partition: number; id: bigint; metadata: Record<string, unknown>; data: Buffer }> = [];
    let kafkaTopic: string;
    try {
      const handle = await driver.createTopic(name, { num_partitions: 3, validator, selector, serializer });
      kafkaTopic = handle.kafkaTopic;
      const producer = handle.producer();
      const pushes = Array.from({ length: 30 }, (_, i) => {
        // Keys out of order (written sorted), nested values, empty data and data in two segments.
        const metadata = { tag: `event ${i}`, i, nested: { z: [1, 2.5, 'x'], a: null } };
        const segments = i % 2 === 0 ? [randomBytes(i * 7)] : [randomBytes(i), Buffer.from(`tail ${i}`)];
        const partition = i % 3;
        return producer.push(metadata, segments, { partition }).then((id) => pushed.push({ partition, id, metadata, data: Buffer.concat(segments) }));
      });
      await Promise.all(pushes);
      await producer.flush();
      await handle.markAsComplete();
    } finally {
      await driver.close();
    }
    // Two JVMs at once: the events through OctopusEvents, the info topic through InteropConsume.
    const [eventsOut, info] = await Promise.all([runJava(['-cp', javaClasspath, 'OctopusEvents', servers], `${kafkaTopic!}\n`), javaConsume([{ topic: `__info_${name}` }])]);
    const records = jsonLines<Record<string, unknown>>(eventsOut);
    // The end-of-stream marker closes each partition, after its events.
    const markers = records.filter((r) => r.endOfStream === true);
    expect(markers.map((r) => r.partition).sort()).toEqual([0, 1, 2]);
    for (const m of markers) expect(m.offset, `marker of partition ${String(m.partition)}`).toBe(Math.max(...records.filter((r) => r.partition === m.partition).map((r) => r.offset as number)));
    const events = records.filter((r) => r.endOfStream !== true);
    expect(events).toHaveLength(pushed.length);
    for (const p of pushed) {
      const e = events.find((x) => x.partition === p.partition && x.offset === Number(p.id));
      expect(e, `event at ${p.partition}/${p.id}`).toBeDefined();
      expect(e!.error).toBeUndefined();
      expect({ keyIsNull: e!.keyIsNull, headerCount: e!.headerCount }).toEqual({ keyIsNull: true, headerCount: 0 });
      expect(JSON.parse(e!.metadata as string)).toEqual(p.metadata);
      expect(e!.metadata).toBe(sortedJson(p.metadata));
      expect(e!.data).toBe(p.data.toString('hex'));
    }
    expect(info.map((r) => ({ partition: r.partition, offset: r.offset, key: r.key, headers: r.headers, value: Buffer.from(r.value!, 'hex').toString() }))).toEqual(
      [validator, selector, serializer].map((description, offset) => ({ partition: 0, offset, key: null, headers: [], value: sortedJson(description) })),
    );
  }, 120_000);
});
