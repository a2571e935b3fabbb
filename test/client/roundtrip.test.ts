import { describe, expect, it } from 'vitest';

import { KafkaConsumer, KafkaProducer, type Message } from '../../lib/index';
import { fastGroup, unique, useCluster } from '../helpers';

const cluster = useCluster();

async function collect(consumer: KafkaConsumer, n: number, timeoutMs = 20_000): Promise<Message[]> {
  const out: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) {
    const batch = await consumer.consumeBatch(n - out.length, { timeoutMs: deadline - Date.now() });
    out.push(...batch);
  }
  return out;
}

describe('produce and consume round-trip', () => {
  it('delivers key, value, headers and timestamp, and reads them back with their offset', async () => {
    const topic = await cluster.topic('roundtrip');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const report = await producer.send({
      topic,
      key: 'user-1',
      value: Buffer.from('hello kafka'),
      headers: [
        ['trace', 'abc'],
        ['empty', null],
        ['trace', Buffer.from([0, 1, 2])],
      ],
      timestamp: 1_700_000_000_000,
    });
    expect(report).toMatchObject({ topic, partition: 0, offset: 0n });
    // The mock cluster claims a fixed LogAppendTime (1234) in its Produce responses, which
    // librdkafka reports as the message's timestamp; a real broker reports CreateTime.
    expect(report.timestamp).toBe(cluster.mock ? 1234 : 1_700_000_000_000);

    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), ...fastGroup });
    await consumer.subscribe([topic]);
    const [message] = await collect(consumer, 1);
    expect(message).toBeDefined();
    expect(message!.topic).toBe(topic);
    expect(message!.partition).toBe(0);
    expect(message!.offset).toBe(0n);
    expect(message!.key?.toString()).toBe('user-1');
    expect(message!.value?.toString()).toBe('hello kafka');
    expect(message!.timestamp).toBe(1_700_000_000_000);
    expect(message!.headers).toEqual([
      ['trace', Buffer.from('abc')],
      ['empty', null],
      ['trace', Buffer.from([0, 1, 2])],
    ]);
    await consumer.close();
    await producer.close();
  });

  // The build patches librdkafka to answer "no headers" from a record's header-count byte
  // (scripts/librdkafka.sh, patch-no-headers): records with and without headers, side by side in
  // one fetch, and a count that takes two varint bytes, must all read back exactly.
  it('reads headers exactly when records with and without headers share a batch', async () => {
    const topic = await cluster.topic('headers-mix');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const many = Array.from({ length: 70 }, (_, i): [string, string] => [`h${i}`, `v${i}`]);
    const sent = [
      { topic, partition: 0, value: 'none' },
      { topic, partition: 0, value: 'empty list', headers: [] as [string, string][] },
      { topic, partition: 0, value: 'one', headers: [['a', '1']] as [string, string][] },
      { topic, partition: 0, value: 'seventy', headers: many },
      { topic, partition: 0, value: null, key: 'tombstone' },
      { topic, partition: 0, value: 'null value header', headers: [['n', null]] as [string, null][] },
    ];
    await producer.sendBatch(sent);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), ...fastGroup });
    await consumer.subscribe([topic]);
    const got = await collect(consumer, sent.length);
    expect(got.map((m) => m.value?.toString() ?? null)).toEqual(['none', 'empty list', 'one', 'seventy', null, 'null value header']);
    expect(got.map((m) => m.headers.length)).toEqual([0, 0, 1, 70, 0, 1]);
    expect(got[2]!.headers).toEqual([['a', Buffer.from('1')]]);
    expect(got[3]!.headers).toEqual(many.map(([k, v]) => [k, Buffer.from(v)]));
    expect(got[4]!.key?.toString()).toBe('tombstone');
    expect(got[5]!.headers).toEqual([['n', null]]);
    await consumer.close();
    await producer.close();
  });

  // A sendBatch of ARENA_MIN or more messages packs headers into the batch's one buffer (names
  // written once per run), and a consumed batch packs them into its hand-off (names interned
  // per batch, up to a bound): every form and edge must come back exactly as sent.
  it('headers of packed batches read back exactly: pairs and objects, repeats, null, empty, multi-byte, many distinct names', async () => {
    // 4 partitions: the large half spans slices while each partition stays within what the
    // mock cluster retains (it drops the oldest segments of a partition past a few MiB).
    const topic = await cluster.topic('headers-packed', 4);
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const backing = Buffer.from('xxbinaryxx');
    type H = Array<[string, Buffer | Uint8Array | string | null]> | Record<string, Buffer | Uint8Array | string | null> | undefined;
    const forms: H[] = [
      [['trace', 'abc'], ['trace', 'def'], ['empty', ''], ['null', null]],
      { trace: 'obj', 'ünï-名': 'värde', bin: new Uint8Array(backing.buffer, backing.byteOffset + 2, 6) },
      undefined,
      [],
      [['', 'empty name'], ['n', Buffer.from([0, 255, 1])]],
    ];
    // 300 messages with a name of their own, past the consumer's interning bound (256), then
    // a large second half that spans several 4 MiB slices (one name table per slice).
    const distinct = Array.from({ length: 300 }, (_, i) => ({ topic, partition: 0, key: `d${i}`, value: `d${i}`, headers: [[`name-${i}`, `v${i}`]] as H }));
    const shaped = Array.from({ length: 200 }, (_, i) => ({ topic, partition: i % 4, key: `s${i}`, value: 'x'.repeat(32 * 1024), headers: forms[i % forms.length] }));
    const sent = [...distinct, ...shaped];
    await producer.sendBatch(sent);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    await consumer.assign([0, 1, 2, 3].map((partition) => ({ topic, partition, offset: 0n })));
    const got = await collect(consumer, sent.length, 30_000);
    expect(got).toHaveLength(sent.length);
    const byKey = new Map(got.map((m) => [m.key!.toString(), m]));
    const expected = (h: H) => {
      if (h === undefined) return [];
      const pairs = Array.isArray(h) ? h : Object.entries(h);
      return pairs.map(([name, value]) => [name, value === null ? null : Buffer.from(value as Uint8Array | string)]);
    };
    for (const m of sent) {
      const back = byKey.get(m.key);
      expect(back?.value?.toString(), m.key).toBe(m.value);
      expect(back!.headers, m.key).toEqual(expected(m.headers));
    }
    await consumer.close();
    await producer.close();
  });

  // A batch's keys and values are views of memory the native side packed and handed over (the
  // Buffer owns it; no copy): views kept from early batches must stay intact while later
  // batches arrive and earlier ones are collected.
  it('keys and values kept from earlier batches stay intact while later batches arrive', async () => {
    const topic = await cluster.topic('views');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const total = 20_000;
    const valueOf = (i: number) => `value-${i}-`.padEnd(40 + (i % 50), String.fromCharCode(97 + (i % 26)));
    for (let from = 0; from < total; from += 5000) {
      await producer.sendBatch(Array.from({ length: 5000 }, (_, k) => ({ topic, partition: 0, key: `k${from + k}`, value: valueOf(from + k) })));
    }
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), ...fastGroup });
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc, 'vitest.config.mts runs test files with --expose-gc').toBe('function');
    const kept: Message[] = [];
    let batches = 0;
    let seen = 0;
    for await (const batch of consumer.batches(1000)) {
      batches++;
      // Keep every 7th message; drop the rest (and with them most of each batch's views).
      for (const m of batch) if (Number(m.offset) % 7 === 0) kept.push(m);
      seen += batch.length;
      if (batches % 5 === 0) gc!();
      await new Promise((r) => setImmediate(r));
      if (seen >= total) break;
    }
    expect(seen).toBe(total);
    expect(batches).toBeGreaterThan(5);
    expect(kept.length).toBe(Math.ceil(total / 7));
    for (const m of kept) {
      const i = Number(m.offset);
      expect(m.key?.toString()).toBe(`k${i}`);
      expect(m.value?.toString()).toBe(valueOf(i));
    }
    await consumer.close();
    await producer.close();
  });

  it('sends batches and reads every message in order with consecutive offsets', async () => {
    const topic = await cluster.topic('batch');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const messages = Array.from({ length: 1000 }, (_, i) => ({ topic, value: `m${i}`, partition: 0 }));
    const reports = await producer.sendBatch(messages);
    expect(reports.map((r) => r.offset)).toEqual(messages.map((_, i) => BigInt(i)));

    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), ...fastGroup });
    await consumer.subscribe([topic]);
    const got = await collect(consumer, 1000);
    expect(got.map((m) => m.value?.toString())).toEqual(messages.map((m) => m.value));
    expect(got.map((m) => m.offset)).toEqual(reports.map((r) => r.offset));
    await consumer.close();
    await producer.close();
  });

  it('null values and keys stay null (tombstones)', async () => {
    const topic = await cluster.topic('nulls');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.send({ topic, key: 'k', value: null });
    await producer.send({ topic, value: Buffer.alloc(0) });
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g'), ...fastGroup });
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const got = await collect(consumer, 2);
    expect(got[0]!.value).toBeNull();
    expect(got[0]!.key?.toString()).toBe('k');
    expect(got[1]!.key).toBeNull();
    expect(got[1]!.value?.length).toBe(0);
    await consumer.close();
    await producer.close();
  });

  it('fire-and-forget produce reports through its callback', async () => {
    const topic = await cluster.topic('fnf');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const reports = await Promise.all(
      [0, 1, 2].map(
        (i) =>
          new Promise((resolve, reject) =>
            producer.produce({ topic, value: `v${i}` }, (err, report) => (err ? reject(err) : resolve(report))),
          ),
      ),
    );
    expect(reports.map((r) => (r as { offset: bigint }).offset).sort()).toEqual([0n, 1n, 2n]);
    await producer.flush({ timeoutMs: 5000 });
    await producer.close();
  });

  it('commits processed offsets so that a new consumer of the group resumes after them', async () => {
    const topic = await cluster.topic('resume');
    const group = unique('g');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, value: `m${i}` })));

    const first = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...fastGroup });
    await first.assign([{ topic, partition: 0 }]);
    const got = await collect(first, 4);
    expect(got.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n]);
    await first.commitMessage(got[3]!);
    expect(await first.committed([{ topic, partition: 0 }])).toEqual([{ topic, partition: 0, offset: 4n }]);
    await first.close();

    const second = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': group, ...fastGroup });
    await second.assign([{ topic, partition: 0 }]);
    const rest = await collect(second, 6);
    expect(rest.map((m) => m.value?.toString())).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    await second.close();
    await producer.close();
  });

  it('keeps every key and value when runs of different topics and sizes follow each other (packing reuses its scratch memory)', async () => {
    const t1 = await cluster.topic('runs1');
    const t2 = await cluster.topic('runs2');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    // One call with runs of 3,000 / 7 / 1,500 messages, then a smaller call: each run's
    // layout is shorter than the one before it, so stale entries would show.
    const make = (topic: string, n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({ topic, key: `${tag}-${i}`, value: `${tag}:${'v'.repeat(i % 13)}:${i}` }));
    const first = [...make(t1, 3000, 'a'), ...make(t2, 7, 'b'), ...make(t1, 1500, 'c')];
    const second = make(t2, 40, 'd');
    await producer.sendBatch(first);
    await producer.sendBatch(second);
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    await consumer.assign([
      { topic: t1, partition: 0, offset: 0n },
      { topic: t2, partition: 0, offset: 0n },
    ]);
    const got = await collect(consumer, first.length + second.length);
    const text = (topic: string) => got.filter((m) => m.topic === topic).map((m) => `${m.key?.toString()}=${m.value?.toString()}`);
    const expected = (list: Array<{ topic: string; key: string; value: string }>, topic: string) => list.filter((m) => m.topic === topic).map((m) => `${m.key}=${m.value}`);
    expect(text(t1)).toEqual(expected(first, t1));
    expect(text(t2)).toEqual([...expected(first, t2), ...expected(second, t2)]);
    await consumer.close();
    await producer.close();
  });

  it('a batch may mix topics, empty and null payloads, and header forms; a malformed message fails it before anything is sent', async () => {
    const t1 = await cluster.topic('mix1');
    const t2 = await cluster.topic('mix2');
    const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    const reports = await producer.sendBatch([
      { topic: t1, value: '' },
      { topic: t1, value: null, key: '' },
      { topic: t2, value: new Uint8Array([1, 2, 3]), headers: { h: 'x', n: null } },
      { topic: t1, value: 'é', key: Buffer.from('k') },
    ]);
    expect(reports.map((r) => [r.topic, r.offset])).toEqual([
      [t1, 0n],
      [t1, 1n],
      [t2, 0n],
      [t1, 2n],
    ]);
    await expect(producer.sendBatch([{ topic: t2, value: 'ok' }, { topic: t2, value: 5 as never }])).rejects.toThrow(
      'messages[1].value must be a Buffer, Uint8Array, string or null',
    );
    const consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': unique('g') });
    await consumer.assign([
      { topic: t1, partition: 0, offset: 0n },
      { topic: t2, partition: 0, offset: 0n },
    ]);
    const got = await collect(consumer, 4);
    const one = got.filter((m) => m.topic === t1);
    expect(one.map((m) => [m.value === null ? null : m.value.toString(), m.key === null ? null : m.key.toString()])).toEqual([
      ['', null],
      [null, ''],
      ['é', 'k'],
    ]);
    const two = got.filter((m) => m.topic === t2);
    expect(two).toHaveLength(1); // the failed batch sent nothing
    expect([...two[0]!.value!]).toEqual([1, 2, 3]);
    expect(two[0]!.headers).toEqual([
      ['h', Buffer.from('x')],
      ['n', null],
    ]);
    await consumer.close();
    await producer.close();
  });
});
