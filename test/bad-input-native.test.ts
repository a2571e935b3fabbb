/**
 * Bad input at the native entry points the TypeScript layer calls: the addon checks what
 * it is handed (bounds of typed arrays, 64-bit offsets, partition numbers, throwing
 * getters) and answers with a typed error, never with an out-of-bounds read, a silently
 * wrong value or a leak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaConsumer, MockCluster } from '../lib/index';
import { NATIVE } from '../lib/native/symbols';
import { native, type NativeProducer } from '../lib/native/binding';

describe('native entry points refuse bad arguments', () => {
  let cluster: MockCluster;
  let producer: NativeProducer;
  let consumer: KafkaConsumer;
  beforeAll(async () => {
    cluster = await MockCluster.start({ topics: [{ name: 'arena', partitions: 1 }] });
    producer = new (native().Producer)({ 'bootstrap.servers': cluster.bootstrapServers }, () => undefined);
    consumer = new KafkaConsumer({ 'bootstrap.servers': cluster.bootstrapServers, 'group.id': 'bad-native' });
  });
  afterAll(async () => {
    await consumer.close();
    await producer.close(0);
    await cluster.close();
  });

  const arena = Buffer.from('keyvalue');
  const row = (partition: number, keyAt: number, keyLen: number, valueAt: number, valueLen: number) =>
    Int32Array.of(partition, keyAt, keyLen, valueAt, valueLen);

  it('produceArena: a layout pointing outside the arena is a RangeError', () => {
    expect(() => producer.produceArena('arena', arena, row(-1, 0, 3, 3, 100), 1, 1, null, null)).toThrow(RangeError);
    expect(() => producer.produceArena('arena', arena, row(-1, -4, 3, 3, 5), 1, 1, null, null)).toThrow(/outside the arena/);
  });

  it('produceArena: a negative length other than -1 (null) is a RangeError', () => {
    expect(() => producer.produceArena('arena', arena, row(-1, 0, -5, 3, 5), 1, 1, null, null)).toThrow(/outside the arena/);
    expect(() => producer.produceArena('arena', arena, row(-7, 0, 3, 3, 5), 1, 1, null, null)).toThrow(/outside the arena/);
  });

  it('produceArena: layout, timestamps and headers shorter than count are TypeErrors naming them', () => {
    expect(() => producer.produceArena('arena', arena, row(-1, 0, 3, 3, 5), 2, 1, null, null)).toThrow(/layout is too short/);
    const two = Int32Array.of(-1, 0, 3, 3, 5, -1, 0, 3, 3, 5);
    expect(() => producer.produceArena('arena', arena, two, 2, 1, new Float64Array(1), null)).toThrow(/timestamps is too short/);
    expect(() => producer.produceArena('arena', arena, two, 2, 1, null, [null] as never)).toThrow(/headers is too short/);
  });

  it('partition lists: a 64-bit offset that does not fit, a partition out of range and a fractional offset are RangeErrors', async () => {
    const handle = consumer[NATIVE];
    expect(() => handle.storeOffsets([{ topic: 'arena', partition: 0, offset: 2n ** 64n }])).toThrow(/signed 64-bit/);
    expect(() => handle.storeOffsets([{ topic: 'arena', partition: 2 ** 33, offset: 1n }])).toThrow(RangeError);
    expect(() => handle.storeOffsets([{ topic: 'arena', partition: 0, offset: 1.5 as never }])).toThrow(/integer/);
    expect(() => handle.storeOffsets([{ topic: 'arena', partition: 0, offset: 'x' as never }])).toThrow(TypeError);
  });

  it('a getter that throws while a partition list or a configuration is read: its error, and nothing leaks or crashes', () => {
    const handle = consumer[NATIVE];
    const broken = {
      topic: 'arena',
      partition: 0,
      get offset(): bigint {
        throw new Error('offset getter broke');
      },
    };
    expect(() => handle.storeOffsets([{ topic: 'arena', partition: 0, offset: 1n }, broken])).toThrow('offset getter broke');
    const config = {
      'bootstrap.servers': cluster.bootstrapServers,
      get 'client.id'(): string {
        throw new Error('config getter broke');
      },
    };
    expect(() => new (native().Producer)(config as never, () => undefined)).toThrow('config getter broke');
  });
});
