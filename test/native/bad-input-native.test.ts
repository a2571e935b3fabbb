/**
 * Bad input at the native entry points the TypeScript layer calls: the addon checks what
 * it is handed (bounds of typed arrays, 64-bit offsets, partition numbers, throwing
 * getters) and answers with a typed error, never with an out-of-bounds read, a silently
 * wrong value or a leak.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaConsumer, MockCluster } from '../../lib/index';
import { NATIVE } from '../../lib/native/symbols';
import { nativeAdminClass, type NativeAdmin, type RawAclInput } from '../../lib/admin/admin-native';
import { native, type NativeProducer } from '../../lib/native/binding';
import { run } from '../child-process';

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
    expect(() => producer.produceArena('arena', arena, row(-1, 0, 3, 3, 100), 1, 1, null, null, null)).toThrow(RangeError);
    expect(() => producer.produceArena('arena', arena, row(-1, -4, 3, 3, 5), 1, 1, null, null, null)).toThrow(/outside the arena/);
  });

  it('produceArena: a negative length other than -1 (null) is a RangeError', () => {
    expect(() => producer.produceArena('arena', arena, row(-1, 0, -5, 3, 5), 1, 1, null, null, null)).toThrow(/outside the arena/);
    expect(() => producer.produceArena('arena', arena, row(-7, 0, 3, 3, 5), 1, 1, null, null, null)).toThrow(/outside the arena/);
  });

  it('produceArena: layout, timestamps and header spans shorter than count are TypeErrors naming them', () => {
    expect(() => producer.produceArena('arena', arena, row(-1, 0, 3, 3, 5), 2, 1, null, null, null)).toThrow(/layout is too short/);
    const two = Int32Array.of(-1, 0, 3, 3, 5, -1, 0, 3, 3, 5);
    expect(() => producer.produceArena('arena', arena, two, 2, 1, new Float64Array(1), null, null)).toThrow(/timestamps is too short/);
    expect(() => producer.produceArena('arena', arena, two, 2, 1, null, new Int32Array(4), Int32Array.of(0, 0))).toThrow(/headerSpans is too short/);
  });

  it('produceArena: headers pointing outside the arena or outside their rows are RangeErrors; rows without spans a TypeError', () => {
    const one = row(-1, 0, 3, 3, 5);
    // name "key" (0, 3), value "value" (3, 5): in bounds, then each field pushed out.
    const inBounds = Int32Array.of(0, 3, 3, 5);
    expect(() => producer.produceArena('arena', arena, one, 1, 1, null, inBounds, Int32Array.of(0, 2))).toThrow(/headerSpans points outside headerRows/);
    expect(() => producer.produceArena('arena', arena, one, 1, 1, null, inBounds, Int32Array.of(-1, 1))).toThrow(/headerSpans points outside headerRows/);
    expect(() => producer.produceArena('arena', arena, one, 1, 1, null, Int32Array.of(0, 30, 3, 5), Int32Array.of(0, 1))).toThrow(/headerRows points outside the arena/);
    expect(() => producer.produceArena('arena', arena, one, 1, 1, null, Int32Array.of(0, 3, 6, 5), Int32Array.of(0, 1))).toThrow(/headerRows points outside the arena/);
    expect(() => producer.produceArena('arena', arena, one, 1, 1, null, Int32Array.of(0, 3, 3, -2), Int32Array.of(0, 1))).toThrow(/headerRows points outside the arena/);
    expect(() => producer.produceArena('arena', arena, one, 1, 1, null, inBounds, null)).toThrow(/headerRows and headerSpans go together/);
    expect(() => producer.produceArena('arena', arena, one, 1, 1, null, new Float64Array(4) as never, Int32Array.of(0, 1))).toThrow(/must be Int32Arrays/);
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

  it('ACL bindings and filters: anything librdkafka would refuse, or that would not fit its enums, is a TypeError naming the field', async () => {
    const admin: NativeAdmin = new (nativeAdminClass())({ 'bootstrap.servers': cluster.bootstrapServers }, () => undefined);
    try {
      const acl: RawAclInput = { resourceType: 2, resourceName: 't', patternType: 3, principal: 'User:a', host: '*', operation: 3, permission: 3 };
      const cases: Array<[() => unknown, RegExp]> = [
        [() => admin.createAcls(undefined as never, 1000), /^createAcls\(bindings\): bindings must be a non-empty array$/],
        [() => admin.createAcls([], 1000), /bindings must be a non-empty array/],
        [() => admin.createAcls([acl, 5 as never], 1000), /^createAcls\(bindings\): bindings\[1\] must be an object$/],
        [() => admin.createAcls([{ ...acl, resourceType: 6 }], 1000), /bindings\[0\]\.resourceType must be an integer from 0 to 5/],
        [() => admin.createAcls([{ ...acl, resourceType: -1 }], 1000), /bindings\[0\]\.resourceType must be an integer/],
        [() => admin.createAcls([{ ...acl, patternType: 2 ** 40 }], 1000), /bindings\[0\]\.patternType must be an integer from 0 to 4/],
        [() => admin.createAcls([{ ...acl, operation: 3.5 }], 1000), /bindings\[0\]\.operation must be an integer from 0 to 12/],
        [() => admin.createAcls([{ ...acl, permission: NaN }], 1000), /bindings\[0\]\.permission must be an integer from 0 to 3/],
        [() => admin.createAcls([{ ...acl, permission: '3' as never }], 1000), /bindings\[0\]\.permission must be an integer/],
        [() => admin.createAcls([{ ...acl, principal: null }], 1000), /bindings\[0\]\.principal must be a string$/],
        [() => admin.createAcls([{ ...acl, resourceName: 'a\0b' }], 1000), /bindings\[0\]\.resourceName must not contain NUL characters/],
        // Values in range that librdkafka refuses in a binding: its reason, with the item named.
        [() => admin.createAcls([{ ...acl, resourceType: 1 }], 1000), /^createAcls\(bindings\): bindings\[0\]: Invalid resource type$/],
        [() => admin.createAcls([{ ...acl, patternType: 2 }], 1000), /bindings\[0\]: Invalid resource pattern type/],
        [() => admin.createAcls([{ ...acl, operation: 1 }], 1000), /bindings\[0\]: Invalid operation/],
        [() => admin.createAcls([{ ...acl, permission: 0 }], 1000), /bindings\[0\]: Invalid permission type/],
        [() => admin.describeAcls(null as never, 1000), /^describeAcls\(filter\): filter must be an object$/],
        [() => admin.describeAcls({ ...acl, host: 5 as never }, 1000), /filter\.host must be a string or null/],
        [() => admin.describeAcls({ ...acl, operation: 0 }, 1000), /filter: Invalid operation/],
        [() => admin.deleteAcls([acl, { ...acl, resourceType: 0 }], 1000), /^deleteAcls\(filters\): filters\[1\]: Invalid resource type$/],
      ];
      for (const [call, message] of cases) expect(call).toThrow(message);
      for (const [call] of cases) expect(call).toThrow(TypeError);
      // A getter that throws half-way: its error; the bindings made before it are freed (ASan).
      const broken = {
        ...acl,
        get host(): string {
          throw new Error('host getter broke');
        },
      };
      expect(() => admin.createAcls([acl, acl, broken], 1000)).toThrow('host getter broke');
      expect(() => admin.deleteAcls([{ ...acl, resourceName: null, principal: null, host: null }, broken], 1000)).toThrow('host getter broke');
      // Filters take null strings (any); the request itself reaches the cluster (the mock refuses ACLs).
      await expect(admin.describeAcls({ ...acl, resourceName: null, principal: null, host: null, patternType: 2 }, 5000)).rejects.toMatchObject({ name: '_UNSUPPORTED_FEATURE' });
    } finally {
      await admin.close();
    }
  });
});

describe('arrays that change while they are read', () => {
  let cluster: MockCluster;
  beforeAll(async () => {
    cluster = await MockCluster.start();
  });
  afterAll(async () => {
    await cluster.close();
  });

  // The config resources are made from a first pass over the array and their entries added in
  // a second: a getter that grows the array on every read must not make the second pass index
  // past the resources the first made (each element is read once).
  it('alterConfigs: a resource list that grows on every read is read once, and the request runs on what was read', async () => {
    const admin: NativeAdmin = new (nativeAdminClass())({ 'bootstrap.servers': cluster.bootstrapServers }, () => undefined);
    try {
      for (const [method, key] of [['incrementalAlterConfigs', 'ops'], ['alterConfigs', 'entries']] as const) {
        const resources: unknown[] = [];
        let reads = 0;
        Object.defineProperty(resources, 0, {
          enumerable: true,
          get() {
            reads++;
            resources.push({ type: 2, name: `grown-${reads}`, [key]: [] });
            return { type: 2, name: 'first', [key]: [] };
          },
        });
        const call = (admin as unknown as Record<string, (r: unknown, t: number, v: boolean) => Promise<unknown>>)[method]!;
        const outcome = await call.call(admin, resources, 2000, false).then(
          () => 'resolved',
          (e: Error) => e.name,
        );
        expect(reads, method).toBe(1);
        // The mock has no AlterConfigs: the request ran and was refused, nothing else.
        expect(outcome, method).toMatch(/resolved|_UNSUPPORTED_FEATURE|UNSUPPORTED|INVALID_REQUEST|_TIMED_OUT/);
      }
    } finally {
      await admin.close();
    }
  });
});

describe('the exception barrier of native methods', () => {
  // A child process lowers its own address-space limit so that the arena's bookkeeping (16
  // bytes a message) cannot be allocated: produceArena meets a std::bad_alloc, which
  // node-addon-api would not pass on (only Napi::Error): without the barrier it unwinds into
  // Node-API's C frames and the process aborts. The layout is zero pages that the kernel maps
  // lazily: it costs address space, not memory. Linux only (prlimit), and not under the
  // sanitizers, whose allocators abort on a failed allocation instead of throwing.
  const binding = join(__dirname, '..', '..', 'dist/cjs/native/binding.js');
  const sanitized = /lib[at]san/.test(process.env.LD_PRELOAD ?? '');
  const hasPrlimit = process.platform === 'linux' && spawnSync('prlimit', ['--version']).status === 0;
  const script = `
    const { readFileSync } = require('fs');
    const { execFileSync } = require('child_process');
    const producer = new (require(${JSON.stringify(binding)}).native().Producer)({}, () => undefined);
    const count = 50_000_000;
    const layout = new Int32Array(count * 5);
    const vmSize = Number(/VmSize:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
    execFileSync('prlimit', ['--pid', String(process.pid), '--as=' + (vmSize + 512 * 2 ** 20) + ':']);
    let outcome = { thrown: false };
    try {
      producer.produceArena('t', Buffer.alloc(0), layout, count, 1, null, null, null);
    } catch (e) {
      outcome = { thrown: true, name: e.constructor.name, message: e.message };
    }
    execFileSync('prlimit', ['--pid', String(process.pid), '--as=unlimited:']);
    console.log(JSON.stringify(outcome));
    producer.close(0);
  `;

  it.skipIf(!hasPrlimit || sanitized)('an allocation failure in a method becomes a JS Error naming it, not an abort', async () => {
    const r = await run(process.execPath, ['-e', script], { timeout: 60_000 });
    expect(r.stderr).not.toMatch(/terminate called/);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ thrown: true, name: 'Error', message: 'produceArena: out of memory' });
  });
});
