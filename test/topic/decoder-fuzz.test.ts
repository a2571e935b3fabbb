/**
 * Decoder and configuration fuzz.
 *
 * 1. Through Kafka: a raw producer (as a foreign producer could) writes random, truncated and
 *    corrupted values, with random or no keys and headers, into a topic made by the Driver,
 *    interleaved with valid events and end-of-stream markers. The TopicConsumer yields exactly
 *    one event per message: an error event (DecodeError) for each bad one, the metadata and
 *    data for each valid one, and goes on to the end.
 * 2. Property-based (fast-check) over the wire decoder + serializers (any bytes: a decoded
 *    event or a DecodeError, nothing else; encode → decode round-trips), over the client
 *    configuration parser (`validateConfig`: any input gives a configuration or a ConfigError)
 *    and over the topic layer's parsers (driver configuration, component descriptions).
 *
 * FUZZ_RUNS sets the runs per property (default 500) and FUZZ_SEED the seed (fast-check prints
 * the seed of a failure): `FUZZ_RUNS=100000 npx vitest run test/topic/decoder-fuzz.test.ts`, or
 * `npm run fuzz:decoder`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateConfig } from '../../lib/config/config';
import { PROPERTIES } from '../../lib/config/config-properties';
import { ConfigError, DecodeError, KafkaError } from '../../lib/util/errors';
import { KafkaProducer } from '../../lib/client/producer';
import { createPartitionSelector, createSerializer, createValidator, DefaultSerializer, SchemaSerializer } from '../../lib/topic/components';
import { resolveDriverConfig } from '../../lib/topic/driver-config';
import { Driver } from '../../lib/topic/driver';
import type { Event } from '../../lib/topic/event';
import { decodeEvent, encodeEndOfStream, encodeEvent } from '../../lib/topic/wire';
import { unique, useCluster } from '../helpers';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const params = (numRuns = RUNS): fc.Parameters<unknown> => (SEED === undefined ? { numRuns } : { numRuns, seed: SEED });
/** Long runs get a longer per-test timeout. */
const timeout = Math.max(60_000, RUNS * 20);

/** Runs fn; true when it returns or throws an instance of `type`; rethrows anything else. */
function onlyThrows(type: abstract new (...a: never[]) => Error, fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof type) return true;
    throw e;
  }
}

const serializer = new DefaultSerializer();

// ---------------------------------------------------------------- through Kafka

/** A message as the foreign producer writes it, and what the consumer must make of it. */
interface Planned {
  value: Buffer | null;
  key: Buffer | string | null;
  headers: Array<[string, Buffer | string | null]> | undefined;
  expect: { kind: 'event'; metadata: unknown; data: Buffer } | { kind: 'error'; why: RegExp } | { kind: 'end' };
}

const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};

/** Bad values, each bad by construction (so the expectation does not lean on the decoder). */
const badValue: fc.Arbitrary<{ value: Buffer | null; why: RegExp }> = fc.oneof(
  fc.constant({ value: null, why: /event value is null/ }),
  fc.uint8Array({ maxLength: 15 }).map((b) => ({ value: Buffer.from(b), why: /shorter than its 16-byte header/ })),
  // A valid event cut short.
  fc.tuple(fc.jsonValue(), fc.uint8Array({ maxLength: 40 }), fc.nat()).map(([m, d, cut]) => {
    const full = encodeEvent(serializer.serialize(m), d);
    const at = 16 + (cut % (full.length - 16));
    return { value: full.subarray(0, at), why: /header announces/ };
  }),
  // Random bytes behind lengths that do not add up.
  fc.tuple(fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 40n }), fc.uint8Array({ maxLength: 60 })).map(([a, b, body]) => {
    const total = BigInt(body.length);
    const metadataLen = a + b === total ? a + 1n : a;
    return { value: Buffer.concat([u64(metadataLen), u64(b), body]), why: /header announces/ };
  }),
  // Lengths a JavaScript number cannot hold.
  fc.tuple(fc.bigInt({ min: 1n << 53n, max: (1n << 64n) - 2n }), fc.uint8Array({ maxLength: 20 })).map(([len, body]) => ({
    value: Buffer.concat([u64(len), u64(0n), body]),
    why: /beyond 2\^53/,
  })),
  // An end marker with bytes after it.
  fc.uint8Array({ minLength: 1, maxLength: 20 }).map((tail) => ({ value: Buffer.concat([encodeEndOfStream(), tail]), why: /end-of-stream marker followed by/ })),
  // Correct framing, metadata that is not the serializer's: a wrong JSON length prefix...
  fc.uint8Array({ maxLength: 30 }).map((junk) => {
    const metadata = Buffer.concat([u64(BigInt(junk.length + 1)), junk]);
    return { value: encodeEvent(metadata), why: /announces \d+ bytes of JSON but holds/ };
  }),
  // ...text that is not JSON...
  fc.constantFrom('{x]', 'undefined', '{"a":', "{'a':1}", '').map((text) => {
    const json = Buffer.from(text);
    return { value: encodeEvent(Buffer.concat([u64(BigInt(json.length)), json])), why: /not valid JSON/ };
  }),
  // ...or bytes that are not UTF-8.
  fc.constantFrom([0xff], [0xc3, 0x28], [0x7b, 0xe2, 0x82]).map((bytes) => {
    const raw = Buffer.from(bytes);
    return { value: encodeEvent(Buffer.concat([u64(BigInt(raw.length)), raw])), why: /not valid UTF-8/ };
  }),
);

const headersArb = fc.option(
  fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b))), { nil: null })), { maxLength: 4 }),
  { nil: undefined },
);
const keyArb = fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b))), { nil: null });

const plannedArb: fc.Arbitrary<Planned> = fc
  .tuple(
    fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.uint8Array({ maxLength: 64 })).map(([metadata, data]) => ({ kind: 'event' as const, metadata, data: Buffer.from(data) })) },
      { weight: 5, arbitrary: badValue.map((b) => ({ kind: 'error' as const, ...b })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'end' as const }) },
    ),
    keyArb,
    headersArb,
  )
  .map(([what, key, headers]): Planned => {
    if (what.kind === 'event') {
      // What the consumer gives back is JSON's view of the metadata (-0 becomes 0, ...).
      const metadata: unknown = exactIntegers(JSON.parse(JSON.stringify(what.metadata) ?? 'null'));
      return { value: encodeEvent(serializer.serialize(what.metadata), what.data), key, headers, expect: { kind: 'event', metadata, data: what.data } };
    }
    if (what.kind === 'end') return { value: encodeEndOfStream(), key, headers, expect: { kind: 'end' } };
    return { value: what.value, key, headers, expect: { kind: 'error', why: what.why } };
  });

const cluster = useCluster();
let driver: Driver;
beforeAll(async () => {
  driver = await Driver.connect({ kafka: { 'bootstrap.servers': cluster.bootstrapServers } });
});
afterAll(async () => {
  await driver?.close();
});

/**
 * What the topic layer reads back for a JSON.parse'd value: integers written as literals
 * beyond ±(2^53 − 1) are exact bigints (as Octopus keeps them), everything else as JSON.parse.
 */
function exactIntegers(value: unknown): unknown {
  if (typeof value === 'number') {
    const literal = JSON.stringify(value);
    return Number.isInteger(value) && !Number.isSafeInteger(value) && /^-?\d+$/.test(literal) ? BigInt(literal) : value;
  }
  if (Array.isArray(value)) return value.map(exactIntegers);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactIntegers(v)]));
  return value;
}

describe('foreign values in a topic', () => {
  it('each bad message is an error event, each valid one decodes, and consumption goes on to the end', async () => {
    const seed = SEED ?? Math.floor(Math.random() * 2 ** 31);
    const total = Math.min(3000, Math.max(300, RUNS));
    const plan = fc.sample(plannedArb, { numRuns: total, seed });
    const topic = await driver.createTopic(unique('foreign'), { num_partitions: 2 });
    const raw = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    // One partition per half: interleaving within each, order kept per partition.
    const partitionOf = (i: number): number => i % 2;
    await raw.sendBatch(plan.map((p, i) => ({ topic: topic.kafkaTopic, partition: partitionOf(i), value: p.value, key: p.key, headers: p.headers })));
    await raw.close();

    const consumer = topic.consumer(unique('readers'));
    const got: Event[][] = [[], []];
    const expected = [plan.filter((_, i) => partitionOf(i) === 0), plan.filter((_, i) => partitionOf(i) === 1)];
    const deadline = Date.now() + 60_000;
    while ((got[0]!.length < expected[0]!.length || got[1]!.length < expected[1]!.length) && Date.now() < deadline) {
      const event = await consumer.pull({ timeoutMs: 5000 });
      if (event) got[event.partition.partition_id]!.push(event);
    }
    // Nothing more than what was written.
    expect(await consumer.pull({ timeoutMs: 200 })).toBeNull();
    await consumer.close();

    const counts = { events: 0, errors: 0, ends: 0 };
    for (const p of [0, 1]) {
      expect(got[p]!.length, `partition ${p}, seed ${seed}`).toBe(expected[p]!.length);
      got[p]!.forEach((event, i) => {
        const want = expected[p]![i]!;
        const where = `partition ${p} offset ${i} (seed ${seed})`;
        expect(event.id, where).toBe(BigInt(i));
        if (want.expect.kind === 'event') {
          counts.events++;
          expect(event.error, where).toBeUndefined();
          expect(event.metadata, where).toEqual(want.expect.metadata);
          expect(event.data.length === 0 ? Buffer.alloc(0) : event.dataBuffer, where).toEqual(want.expect.data);
        } else if (want.expect.kind === 'end') {
          counts.ends++;
          expect(event.isEndOfStream, where).toBe(true);
        } else {
          counts.errors++;
          expect(event.error, where).toBeInstanceOf(DecodeError);
          expect(event.error!.codeName, where).toBe('_BAD_MSG');
          expect(event.error!.message, where).toMatch(want.expect.why);
          expect(event.metadata, where).toBeUndefined();
          expect(event.data, where).toEqual([]);
        }
      });
    }
    console.log(`foreign values (seed ${seed}): ${total} messages → ${counts.events} events, ${counts.errors} error events, ${counts.ends} end markers`);
    expect(counts.events + counts.errors + counts.ends).toBe(total);
    expect(counts.errors).toBeGreaterThan(0);
    expect(counts.events).toBeGreaterThan(0);
  }, 120_000);

  it('an error event can be acknowledged, and a restarted consumer resumes after it', async () => {
    const topic = await driver.createTopic(unique('skip'));
    const raw = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
    await raw.sendBatch([
      { topic: topic.kafkaTopic, value: Buffer.from('garbage') },
      { topic: topic.kafkaTopic, value: encodeEvent(serializer.serialize({ n: 1 })) },
    ]);
    await raw.close();
    const group = unique('g');
    // Assigned (targets), not subscribed: no group rebalance to wait for on the mock.
    const first = topic.consumer(group, { targets: [0] });
    const bad = await first.pull({ timeoutMs: 10_000 });
    expect(bad?.error).toBeInstanceOf(DecodeError);
    await bad!.acknowledge();
    await first.close();
    const second = topic.consumer(group, { targets: [0] });
    const next = await second.pull({ timeoutMs: 10_000 });
    expect(next?.metadata).toEqual({ n: 1 });
    await second.close();
  });
});

// ---------------------------------------------------------------- property-based

describe('wire decoder (property-based)', () => {
  const schemaSerializer = new SchemaSerializer({ type: 'object' });

  it('any bytes: an event whose parts add up, the end marker, or a DecodeError', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 1024 }),
      // Plausible framing: small lengths in front of random bodies, so that some decode.
      fc.tuple(fc.nat(64), fc.nat(64), fc.uint8Array({ maxLength: 140 })).map(([m, d, body]) => new Uint8Array(Buffer.concat([u64(BigInt(m)), u64(BigInt(d)), body]))),
    );
    fc.assert(
      fc.property(bytes, (b) =>
        onlyThrows(DecodeError, () => {
          const decoded = decodeEvent(b);
          if (decoded.kind === 'event') {
            expect(16 + decoded.metadata.length + decoded.data.length).toBe(b.length);
            // What a topic consumer does next: both serializers refuse only with DecodeError.
            onlyThrows(DecodeError, () => serializer.deserialize(decoded.metadata));
            onlyThrows(DecodeError, () => schemaSerializer.deserialize(decoded.metadata));
          } else {
            expect(b.length).toBe(16);
          }
        }),
      ),
      params(),
    );
  }, timeout);

  it('encode → decode round-trips metadata and data (any segments)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 6 }), (metadata, segments) => {
        const decoded = decodeEvent(encodeEvent(serializer.serialize(metadata), segments));
        expect(decoded.kind).toBe('event');
        if (decoded.kind !== 'event') return;
        expect(serializer.deserialize(decoded.metadata)).toEqual(exactIntegers(JSON.parse(JSON.stringify(metadata))));
        expect(decoded.data).toEqual(Buffer.concat(segments));
      }),
      params(),
    );
  }, timeout);

  it('a valid event with one byte changed or cut: an event, or a DecodeError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.uint8Array({ maxLength: 50 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (metadata, data, at, byte, cut) => {
        const value = Buffer.from(encodeEvent(serializer.serialize(metadata), data));
        const changed = cut ? value.subarray(0, at % value.length) : (value[at % value.length] = byte, value);
        return onlyThrows(DecodeError, () => {
          const decoded = decodeEvent(changed);
          if (decoded.kind === 'event') serializer.deserialize(decoded.metadata);
        });
      }),
      params(),
    );
  }, timeout);
});

describe('configuration parsers (property-based)', () => {
  const names = PROPERTIES.map((p) => p.name);
  const oddValues = fc.constantFrom<unknown>(NaN, -0, Infinity, -Infinity, 2 ** 53, 1e300, -1, 0.5, '', ' ', 'true', 'FALSE', '1e3', '0x10', [], [''], {}, null, Symbol('s'), () => 1, new Date(0), Buffer.from('x'), 10n, Object.create(null));
  const value: fc.Arbitrary<unknown> = fc.oneof(fc.anything({ maxDepth: 2 }), oddValues, fc.string(), fc.integer(), fc.array(fc.string(), { maxLength: 3 }));
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => `${n}x`) });
  const config = fc.dictionary(key, value, { maxKeys: 6 });

  it('validateConfig: any configuration is valid (a string map) or a ConfigError naming a property', () => {
    fc.assert(
      fc.property(fc.constantFrom('producer', 'consumer', 'admin') as fc.Arbitrary<'producer' | 'consumer' | 'admin'>, fc.oneof(config, oddValues, fc.anything()), (role, input) => {
        try {
          const out = validateConfig(role, input as Record<string, unknown>);
          for (const [k, v] of Object.entries(out)) {
            expect(typeof k).toBe('string');
            expect(typeof v).toBe('string');
          }
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(typeof e.property).toBe('string');
          expect(e.message).toContain(JSON.stringify(e.property));
          expect(e.codeName).toBe('_INVALID_ARG');
        }
      }),
      params(),
    );
  }, timeout);

  it('Driver configuration: any JSON (or near-valid object) resolves or is a ConfigError; its kafka part then validates or is a ConfigError', () => {
    const nearValid = fc.record(
      {
        kafka: fc.oneof(config, fc.jsonValue()),
        namespace: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
        disable_info_topic: fc.oneof(fc.boolean(), fc.jsonValue()),
        info_topic_prefix: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
        aws_msk_iam: fc.oneof(fc.record({ region: fc.string({ maxLength: 12 }) }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(nearValid, fc.jsonValue(), fc.anything()), (input) => {
        try {
          const resolved = resolveDriverConfig(input);
          expect(resolved.prefix === '' || resolved.prefix.endsWith('.')).toBe(true);
          validateConfig('admin', resolved.kafka);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
        }
      }),
      params(),
    );
  }, timeout);

  it('component descriptions: any JSON (or its text) builds a component or is a ConfigError', () => {
    // "name:path" types load modules; random paths are kept out of this property.
    const type = fc.oneof(fc.constantFrom('default', 'schema', 'eventbridge', 'key', 'nope'), fc.string({ maxLength: 8 }).filter((s) => !s.includes(':')), fc.jsonValue());
    const description = fc.oneof(
      fc.record({ type, schema: fc.oneof(fc.jsonValue(), fc.constant({ type: 'object', required: ['a'] })), pattern: fc.jsonValue(), key: fc.jsonValue() }, { requiredKeys: [] }),
      fc.jsonValue(),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(description, fc.boolean(), (d, asText) => {
        const input = asText && typeof d !== 'string' ? JSON.stringify(d) : d;
        for (const create of [createValidator, createPartitionSelector, createSerializer]) {
          try {
            const component = create(input);
            expect(typeof component.description).toBe('object');
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
          }
        }
      }),
      params(),
    );
  }, timeout);

  it('every failure above is a KafkaError too (one instanceof covers them)', () => {
    expect(new ConfigError('x', 'y')).toBeInstanceOf(KafkaError);
    expect(new DecodeError('x')).toBeInstanceOf(KafkaError);
  });
});
