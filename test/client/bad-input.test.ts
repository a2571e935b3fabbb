/**
 * Bad input everywhere: one table of every public entry point fed what it must refuse —
 * invalid configuration and options, wrong types, metadata that is not JSON, messages beyond
 * `message.max.bytes`, unknown topics, calls after close, handlers that throw. Each row checks
 * the error's class, its code and that its message names the problem; a guard fails the file
 * if anything reaches `unhandledRejection` or `uncaughtException`, and clients keep working
 * after the bad input.
 *
 * Conventions the table pins down: configuration and options are ConfigErrors naming the
 * property; wrong argument types of a raw-layer call are TypeErrors naming the argument (the
 * topic layer names them with ConfigErrors, as its component descriptions do); anything that
 * reaches Kafka fails with a KafkaError carrying librdkafka's code; calls after close are
 * ClosedErrors (or the documented empty result); handler failures are HandlerErrors whose
 * `cause` is what the handler threw.
 *
 * Covered in other files and only referenced here: fuzzed configuration values
 * (config.test.ts, decoder-fuzz.test.ts), admin argument checks in depth (admin.test.ts),
 * undecodable events (decoder-fuzz.test.ts, topic-events.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AdminError,
  ClosedError,
  ConfigError,
  Driver,
  HandlerError,
  KafkaAdmin,
  KafkaConsumer,
  KafkaError,
  KafkaProducer,
  MockCluster,
  TopicNotFoundError,
  ValidationError,
  validateConfig,
  type Message,
  type TopicConsumer,
  type TopicHandle,
  type TopicProducer,
} from '../../lib/index';
import { unique } from '../helpers';

const index = join(__dirname, '..', '..', 'dist/cjs/index.js');

// ---- the process-level guard: nothing may escape as an unhandled rejection or exception.
const escaped: string[] = [];
const onEscape = (e: unknown): void => void escaped.push(e instanceof Error ? (e.stack ?? e.message) : String(e));

type ErrorClass = abstract new (...args: never[]) => Error;
interface Expected {
  type: ErrorClass;
  /** librdkafka's code name (KafkaErrors only). */
  code?: string;
  /** The property a ConfigError names. */
  property?: string;
  message: RegExp;
}
interface Case {
  entry: string;
  input: string;
  run: () => unknown;
  expected: Expected;
}

/** What `run` threw or rejected with (undefined: it succeeded). */
async function failureOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return undefined;
}

function checkError(e: unknown, x: Expected): void {
  expect(e, 'expected an error, the call succeeded').toBeDefined();
  expect(e).toBeInstanceOf(x.type);
  if (x.code !== undefined) expect((e as KafkaError).codeName).toBe(x.code);
  if (x.property !== undefined) expect((e as ConfigError).property).toBe(x.property);
  expect((e as Error).message).toMatch(x.message);
}

let mock: MockCluster;
let servers: string;
const made: Array<{ close(): Promise<unknown> }> = [];
/** Keeps a client a case made by mistake (its constructor should have thrown) for cleanup. */
function keep<T extends { close(): Promise<unknown> }>(client: T): T {
  made.push(client);
  return client;
}

// Fixtures shared by the rows (made in beforeAll).
let producer: KafkaProducer;
let consumer: KafkaConsumer;
let admin: KafkaAdmin;
let driver: Driver;
let topic: TopicHandle;
let topicProducer: TopicProducer;
let topicConsumer: TopicConsumer;
const TOPIC = 'bad-input';

beforeAll(async () => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  mock = await MockCluster.start({ topics: [{ name: TOPIC, partitions: 1 }] });
  servers = mock.bootstrapServers;
  producer = new KafkaProducer({ 'bootstrap.servers': servers, 'message.max.bytes': 10_000 });
  consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('bad') });
  await consumer.assign([{ topic: TOPIC, partition: 0, offset: 0n }]);
  admin = new KafkaAdmin({ 'bootstrap.servers': servers });
  driver = await Driver.connect({ kafka: { 'bootstrap.servers': servers, 'message.max.bytes': 10_000 } });
  topic = await driver.createTopic(unique('events'));
  topicProducer = topic.producer();
  topicConsumer = topic.consumer(unique('readers'));
});

afterAll(async () => {
  await Promise.allSettled(made.map((c) => c.close()));
  await Promise.allSettled([producer?.close(), consumer?.close(), admin?.close(), driver?.close()]);
  await mock?.close();
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
});

const cfg = (message: RegExp, property?: string): Expected => ({ type: ConfigError, code: '_INVALID_ARG', property, message });
const typeError = (message: RegExp): Expected => ({ type: TypeError, message });
const closed = (message: RegExp): Expected => ({ type: ClosedError, code: '_STATE', message });

describe('invalid configuration and options: ConfigError naming the property', () => {
  const cases: Case[] = [
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JavaScript and wide (KafkaConfig) callers
    { entry: 'KafkaProducer', input: 'unknown property', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers, 'lingr.ms': 5 })), expected: cfg(/did you mean `linger.ms`/, 'lingr.ms') },
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JavaScript and wide (KafkaConfig) callers
    { entry: 'KafkaProducer', input: 'wrong value type', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers, 'linger.ms': 'soon' })), expected: cfg(/expected a number between 0 and 900000, got the string "soon"/, 'linger.ms') },
    { entry: 'KafkaProducer', input: 'out of range', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers, 'linger.ms': -1 })), expected: cfg(/must be between 0 and 900000, got -1/, 'linger.ms') },
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JavaScript and wide (KafkaConfig) callers
    { entry: 'KafkaProducer', input: 'a consumer property', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers, 'group.id': 'g' })), expected: cfg(/is a consumer property/, 'group.id') },
    { entry: 'KafkaProducer', input: 'config null', run: () => keep(new KafkaProducer(null as never)), expected: cfg(/must be an object of librdkafka properties, got null/, 'config') },
    { entry: 'KafkaProducer', input: 'config an array', run: () => keep(new KafkaProducer([] as never)), expected: cfg(/got array/, 'config') },
    { entry: 'KafkaProducer', input: 'options null', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers }, null as never)), expected: cfg(/must be an object, got null/, 'options') },
    { entry: 'KafkaProducer', input: 'logger not an object', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers }, { logger: 5 as never })), expected: cfg(/must be a logger object/, 'logger') },
    { entry: 'KafkaProducer', input: 'logger without methods', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers }, { logger: {} as never })), expected: cfg(/must have an error\(\) method/, 'logger') },
    { entry: 'KafkaProducer', input: 'repeatWindowMs negative', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers }, { repeatWindowMs: -1 })), expected: cfg(/≥ 0, got -1/, 'repeatWindowMs') },
    { entry: 'KafkaProducer', input: 'sendTimeoutMs a string', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers }, { sendTimeoutMs: '5' as never })), expected: cfg(/got "5"/, 'sendTimeoutMs') },
    { entry: 'KafkaProducer', input: 'oauthbearer neither provider nor token', run: () => keep(new KafkaProducer({ 'bootstrap.servers': servers, 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'OAUTHBEARER' }, { oauthbearer: 5 as never })), expected: cfg(/expected a token provider function or a static token/, 'oauthbearer') },
    { entry: 'KafkaConsumer', input: 'no group.id', run: () => keep(new KafkaConsumer({ 'bootstrap.servers': servers })), expected: cfg(/a consumer needs a group id/, 'group.id') },
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JavaScript and wide (KafkaConfig) callers
    { entry: 'KafkaConsumer', input: 'a producer property', run: () => keep(new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': 'g', 'linger.ms': 1 })), expected: cfg(/is a producer property/, 'linger.ms') },
    { entry: 'KafkaConsumer', input: 'highWaterMark.messages 0', run: () => keep(new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': 'g' }, { highWaterMark: { messages: 0 } })), expected: cfg(/must be a positive integer, got 0/, 'highWaterMark.messages') },
    { entry: 'KafkaConsumer', input: 'onAssign not a function', run: () => keep(new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': 'g' }, { onAssign: 5 as never })), expected: cfg(/must be a function, got number/, 'onAssign') },
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JavaScript and wide (KafkaConfig) callers
    { entry: 'KafkaAdmin', input: 'a producer property', run: () => keep(new KafkaAdmin({ 'bootstrap.servers': servers, 'linger.ms': 1 })), expected: cfg(/an admin client accepts only properties common/, 'linger.ms') },
    { entry: 'KafkaAdmin', input: 'options.timeoutMs 0', run: () => keep(new KafkaAdmin({ 'bootstrap.servers': servers }, { timeoutMs: 0 })), expected: typeError(/options.timeoutMs must be an integer number of milliseconds/) },
    { entry: 'validateConfig', input: 'unknown role', run: () => validateConfig('broker' as never, {}), expected: cfg(/must be one of producer, consumer, admin/, 'role') },
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JSON configurations
    { entry: 'Driver.connect', input: 'not an object', run: () => Driver.connect('x'), expected: cfg(/expected object/, '(root)') },
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JSON configurations
    { entry: 'Driver.connect', input: 'bootstrap.servers a number', run: () => Driver.connect({ kafka: { 'bootstrap.servers': 5 } }), expected: cfg(/./, 'kafka.bootstrap.servers') },
    // Unknown top-level blocks are accepted, as Octopus accepts them (issue 17); a wrong type in an entry octokafka reads is not.
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JSON configurations
    { entry: 'Driver.connect', input: 'disable_info_topic not a boolean', run: () => Driver.connect({ kafka: {}, disable_info_topic: 'yes' }), expected: cfg(/boolean/, 'disable_info_topic') },
    { entry: 'Driver.connect', input: 'bad namespace', run: () => Driver.connect({ kafka: { 'bootstrap.servers': servers }, namespace: 'a b' }), expected: cfg(/topic-name prefix/, 'namespace') },
    // @ts-expect-error -- the compiler refuses it too; the runtime check is for JSON configurations
    { entry: 'Driver.connect', input: 'unknown librdkafka property', run: async () => keep(await Driver.connect({ kafka: { 'bootstrap.servers': servers, 'lingr.ms': 1 } })), expected: cfg(/did you mean `linger.ms`/, 'lingr.ms') },
    { entry: 'Driver.fromFile', input: 'missing file', run: () => Driver.fromFile('/nonexistent/octokafka.json'), expected: cfg(/cannot read the configuration file/, '/nonexistent/octokafka.json') },
    {
      entry: 'Driver.fromFile',
      input: 'not JSON',
      run: () => {
        const path = join(tmpdir(), `${unique('config')}.json`);
        writeFileSync(path, '{ kafka: ');
        return Driver.fromFile(path);
      },
      expected: cfg(/is not JSON/),
    },
    { entry: 'Driver.createTopic', input: 'num_partitions 0', run: () => driver.createTopic(unique('t'), { num_partitions: 0 }), expected: cfg(/must be a positive integer, got 0/, 'num_partitions') },
    { entry: 'Driver.createTopic', input: 'unknown validator type', run: () => driver.createTopic(unique('t'), { validator: { type: 'nope' } }), expected: cfg(/unknown validator type "nope"/, 'validator.type') },
    { entry: 'Driver.createTopic', input: 'invalid topic name', run: () => driver.createTopic('a b'), expected: cfg(/a topic name must be letters/, 'name') },
    { entry: 'TopicHandle.producer', input: 'batchSize -1', run: () => keep(topic.producer({ batchSize: -1 })), expected: cfg(/must be "adaptive" or a positive integer/, 'batchSize') },
    { entry: 'TopicHandle.producer', input: 'ordering unknown', run: () => keep(topic.producer({ ordering: 'x' as never })), expected: cfg(/must be "strict" or "loose"/, 'ordering') },
    { entry: 'TopicHandle.producer', input: 'maxPending 0', run: () => keep(topic.producer({ maxPending: 0 })), expected: cfg(/must be a positive integer/, 'maxPending') },
    { entry: 'TopicHandle.producer', input: 'pushTimeoutMs a string', run: () => keep(topic.producer({ pushTimeoutMs: 'x' as never })), expected: cfg(/got "x"/, 'pushTimeoutMs') },
    { entry: 'TopicHandle.consumer', input: 'empty name', run: () => keep(topic.consumer('')), expected: cfg(/needs a non-empty name/, 'name') },
    { entry: 'TopicHandle.consumer', input: 'targets out of range', run: () => keep(topic.consumer('g', { targets: [9] })), expected: cfg(/partition 9 is not one of the 1 partitions/, 'targets') },
    { entry: 'TopicHandle.consumer', input: 'targets not an array', run: () => keep(topic.consumer('g', { targets: 'x' as never })), expected: cfg(/must be an array of partition indices/, 'targets') },
    { entry: 'TopicHandle.consumer', input: 'dataSelector not a function', run: () => keep(topic.consumer('g', { dataSelector: 5 as never })), expected: cfg(/must be a function/, 'dataSelector') },
  ];
  it.each(cases)('$entry: $input', async ({ run, expected }) => {
    checkError(await failureOf(run), expected);
  });

  it('a client whose configuration or options are refused leaves nothing running (the process exits)', () => {
    const script = `
      const { KafkaProducer, KafkaConsumer } = require(${JSON.stringify(index)});
      const sasl = { 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'OAUTHBEARER' };
      for (const make of [
        () => new KafkaProducer(sasl, { oauthbearer: 5 }),
        () => new KafkaConsumer({ ...sasl, 'group.id': 'g' }, { oauthbearer: { token: '', expiresAtMs: 1, principal: 'p' } }),
        () => new KafkaConsumer({ 'bootstrap.servers': '127.0.0.1:1' }),
        () => new KafkaProducer({ 'bootstrap.servers': '127.0.0.1:1' }, { logger: 5 }),
      ]) {
        try { make(); console.log('made'); } catch (e) { console.log(e.constructor.name, e.property); }
      }
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim().split('\n')).toEqual(['ConfigError oauthbearer', 'ConfigError oauthbearer.token', 'ConfigError group.id', 'ConfigError logger']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });
});

describe('wrong types in calls: TypeError (raw layer) or ConfigError (topic layer) naming the argument', () => {
  const tenWith = (i: number, extra: object): object[] => Array.from({ length: 10 }, (_, j) => ({ topic: TOPIC, value: 'x', ...(j === i ? extra : {}) }));
  const cases: Case[] = [
    { entry: 'KafkaProducer.send', input: 'null message', run: () => producer.send(null as never), expected: typeError(/message must be an object with topic and value/) },
    { entry: 'KafkaProducer.send', input: 'empty topic', run: () => producer.send({ topic: '', value: 'x' }), expected: typeError(/topic must be a non-empty string/) },
    { entry: 'KafkaProducer.send', input: 'value a number', run: () => producer.send({ topic: TOPIC, value: 42 as never }), expected: typeError(/value must be a Buffer, Uint8Array, string or null/) },
    { entry: 'KafkaProducer.send', input: 'key a number', run: () => producer.send({ topic: TOPIC, value: 'x', key: 5 as never }), expected: typeError(/key must be a Buffer, Uint8Array, string or null/) },
    { entry: 'KafkaProducer.send', input: 'negative partition', run: () => producer.send({ topic: TOPIC, value: 'x', partition: -3 }), expected: typeError(/partition must be a non-negative integer/) },
    { entry: 'KafkaProducer.send', input: 'header name a number', run: () => producer.send({ topic: TOPIC, value: 'x', headers: [[1, 'x']] as never }), expected: typeError(/headers must be \[name, Buffer \| Uint8Array \| string \| null\] pairs/) },
    { entry: 'KafkaProducer.send', input: 'timestamp a string', run: () => producer.send({ topic: TOPIC, value: 'x', timestamp: 'x' as never }), expected: typeError(/timestamp must be a number/) },
    { entry: 'KafkaProducer.sendBatch', input: 'not an array', run: () => producer.sendBatch('x' as never), expected: typeError(/messages must be an array/) },
    { entry: 'KafkaProducer.sendBatch', input: 'null message (copying path)', run: () => producer.sendBatch([null as never]), expected: typeError(/^messages\[0\] must be an object with topic and value/) },
    { entry: 'KafkaProducer.sendBatch', input: 'bad header at index 5 (packed path)', run: () => producer.sendBatch(tenWith(5, { headers: [[1, 2]] }) as never), expected: typeError(/messages\[5\]\.headers must be/) },
    { entry: 'KafkaProducer.produce', input: 'value a number', run: () => producer.produce({ topic: TOPIC, value: 42 as never }), expected: typeError(/value must be/) },
    { entry: 'KafkaProducer.flush', input: 'options a string', run: () => producer.flush('x' as never), expected: typeError(/^flush\(options\) must be an object \{ timeoutMs\?: number \} \(or, deprecated, a number of milliseconds\), got "x"/) },
    { entry: 'KafkaProducer.flush', input: 'options.timeoutMs a string', run: () => producer.flush({ timeoutMs: 'x' as never }), expected: typeError(/^flush: options.timeoutMs must be a number of milliseconds ≥ 0, got "x"/) },
    { entry: 'KafkaProducer.flush', input: 'deprecated timeout -1', run: () => producer.flush(-1), expected: typeError(/^flush\(timeoutMs\) must be a number of milliseconds ≥ 0, got -1/) },
    { entry: 'KafkaProducer.initTransactions', input: 'options a string', run: () => producer.initTransactions('x' as never), expected: typeError(/^initTransactions\(options\) must be an object/) },
    { entry: 'KafkaProducer.sendOffsetsToTransaction', input: 'options.timeoutMs a string', run: () => producer.sendOffsetsToTransaction([], consumer, { timeoutMs: 'x' as never }), expected: typeError(/^sendOffsetsToTransaction: options.timeoutMs must be/) },
    { entry: 'KafkaProducer.commitTransaction', input: 'options a string', run: () => producer.commitTransaction('x' as never), expected: typeError(/^commitTransaction\(options\) must be an object/) },
    { entry: 'KafkaProducer.abortTransaction', input: 'options.timeoutMs NaN', run: () => producer.abortTransaction({ timeoutMs: NaN }), expected: typeError(/^abortTransaction: options.timeoutMs must be a number of milliseconds ≥ 0, got NaN/) },
    { entry: 'KafkaProducer.transaction', input: 'options a string (no transaction begun)', run: () => producer.transaction(async () => 1, 'x' as never), expected: typeError(/^transaction\(options\) must be an object/) },
    { entry: 'KafkaProducer.close', input: 'options a number', run: () => producer.close(5 as never), expected: typeError(/^close\(options\) must be an object \{ timeoutMs\?: number \}, got number/) },
    { entry: 'KafkaProducer.waitForRoom', input: 'timeout a string', run: () => producer.waitForRoom({ timeoutMs: 'x' as never }), expected: typeError(/waitForRoom: options.timeoutMs must be/) },
    { entry: 'KafkaConsumer.subscribe', input: 'no topics', run: () => consumer.subscribe([]), expected: typeError(/give at least one topic/) },
    { entry: 'KafkaConsumer.subscribe', input: 'a number as topic', run: () => consumer.subscribe([5 as never]), expected: typeError(/each topic is a non-empty string or a RegExp/) },
    { entry: 'KafkaConsumer.assign', input: 'not an array', run: () => consumer.assign(TOPIC as never), expected: typeError(/partitions must be an array/) },
    { entry: 'KafkaConsumer.pause', input: 'partition a string', run: () => consumer.pause([{ topic: TOPIC, partition: 'x' as never }]), expected: typeError(/an integer partition/) },
    { entry: 'KafkaConsumer.seek', input: 'offset a string', run: () => consumer.seek([{ topic: TOPIC, partition: 0, offset: '5' as never }]), expected: typeError(/offset of bad-input \[0\] must be a bigint/) },
    { entry: 'KafkaConsumer.commit', input: 'offset a string', run: () => consumer.commit([{ topic: TOPIC, partition: 0, offset: 'x' as never }]), expected: typeError(/offset of bad-input \[0\] must be a bigint/) },
    { entry: 'KafkaConsumer.markProcessed', input: 'null message', run: () => consumer.markProcessed(null as never), expected: typeError(/markProcessed\(message\) needs \{ topic/) },
    { entry: 'KafkaConsumer.commitMessage', input: 'offset a number', run: () => consumer.commitMessage({ topic: TOPIC, partition: 0, offset: 1 as never }), expected: typeError(/commitMessage\(message\) needs/) },
    { entry: 'KafkaConsumer.consume', input: 'timeout a string', run: () => consumer.consume({ timeoutMs: 'x' as never }), expected: typeError(/consume: options.timeoutMs must be/) },
    { entry: 'KafkaConsumer.consume', input: 'signal not a signal', run: () => consumer.consume({ signal: {} as never }), expected: typeError(/consume: options.signal must be an AbortSignal/) },
    { entry: 'KafkaConsumer.consumeBatch', input: 'max a string', run: () => consumer.consumeBatch('x' as never), expected: typeError(/consumeBatch\(max\) must be a positive integer, got "x"/) },
    { entry: 'KafkaConsumer.consumeBatch', input: 'max 0', run: () => consumer.consumeBatch(0), expected: typeError(/consumeBatch\(max\) must be a positive integer, got 0/) },
    { entry: 'KafkaConsumer.batches', input: 'size -1', run: () => consumer.batches(-1).next(), expected: typeError(/batches\(maxBatchSize\) must be a positive integer/) },
    { entry: 'KafkaConsumer.run', input: 'no handler', run: () => consumer.run({}), expected: typeError(/needs eachMessage or eachBatch/) },
    { entry: 'KafkaConsumer.run', input: 'handler not a function', run: () => consumer.run({ eachMessage: 5 as never }), expected: typeError(/eachMessage must be a function/) },
    { entry: 'KafkaConsumer.run', input: 'maxBatchSize 0', run: () => consumer.run({ eachBatch: () => undefined, maxBatchSize: 0 }), expected: typeError(/maxBatchSize must be a positive integer/) },
    { entry: 'KafkaConsumer.committed', input: 'options a string', run: () => consumer.committed([{ topic: TOPIC, partition: 0 }], 'x' as never), expected: typeError(/^committed\(options\) must be an object/) },
    { entry: 'KafkaConsumer.queryWatermarkOffsets', input: 'options.timeoutMs a string', run: () => consumer.queryWatermarkOffsets(TOPIC, 0, { timeoutMs: 'x' as never }), expected: typeError(/^queryWatermarkOffsets: options.timeoutMs must be/) },
    { entry: 'KafkaConsumer.queryWatermarkOffsets', input: 'deprecated timeout a string', run: () => consumer.queryWatermarkOffsets(TOPIC, 0, '5' as never), expected: typeError(/^queryWatermarkOffsets\(options\) must be an object .* got "5"/) },
    { entry: 'KafkaConsumer.offsetsForTimes', input: 'options a string', run: () => consumer.offsetsForTimes([], 'x' as never), expected: typeError(/^offsetsForTimes\(options\) must be an object/) },
    { entry: 'KafkaConsumer.lag', input: 'options.timeoutMs negative', run: () => consumer.lag(undefined, { timeoutMs: -5 }), expected: typeError(/^lag: options.timeoutMs must be a number of milliseconds ≥ 0, got -5/) },
    { entry: 'KafkaConsumer.close', input: 'options.timeoutMs a string', run: () => consumer.close({ timeoutMs: 'x' as never }), expected: typeError(/^close: options.timeoutMs must be/) },
    { entry: 'KafkaAdmin.close', input: 'options a string', run: () => admin.close('x' as never), expected: typeError(/^close\(options\) must be an object/) },
    { entry: 'MockCluster.close', input: 'options.timeoutMs a string', run: () => mock.close({ timeoutMs: 'x' as never }), expected: typeError(/^close: options.timeoutMs must be/) },
    { entry: 'KafkaConsumer.queryWatermarkOffsets', input: 'topic a number', run: () => consumer.queryWatermarkOffsets(5 as never, 0), expected: typeError(/needs a topic name and a non-negative integer partition/) },
    { entry: 'KafkaAdmin.listOffsets', input: 'unknown spec', run: () => admin.listOffsets([{ topic: TOPIC, partition: 0, spec: 'x' as never }]), expected: typeError(/spec must be 'earliest', 'latest'/) },
    { entry: 'KafkaAdmin.createTopics', input: 'empty name', run: () => admin.createTopics([{ topic: '' }]), expected: typeError(/topics\[0\]\.topic must be a non-empty string/) },
    { entry: 'MockCluster.start', input: '0 brokers', run: () => MockCluster.start({ brokers: 0 }), expected: typeError(/brokers must be an integer from 1 to 64/) },
    { entry: 'MockCluster.setBrokerDown', input: 'broker id a string', run: () => mock.setBrokerDown('1' as never), expected: typeError(/setBrokerDown: brokerId must be an integer ≥ 1, got 1/) },
    { entry: 'MockCluster.pushRequestErrors', input: 'codes not an array', run: () => mock.pushRequestErrors(0, 6 as never), expected: typeError(/errorCodes must be an array/) },
    { entry: 'MockCluster.setTopicError', input: 'no topic', run: () => mock.setTopicError('', 3), expected: typeError(/setTopicError: topic must be a non-empty string/) },
    { entry: 'TopicProducer.push', input: 'data a number', run: () => topicProducer.push({}, 42 as never), expected: cfg(/must be a Buffer, a Uint8Array or an array of them, got number/, 'data') },
    { entry: 'TopicProducer.push', input: 'data a string', run: () => topicProducer.push({}, 'text' as never), expected: cfg(/got string/, 'data') },
    { entry: 'TopicProducer.push', input: 'data segment a number', run: () => topicProducer.push({}, [Buffer.from('a'), 1] as never), expected: cfg(/each data segment must be a Buffer or Uint8Array, got number/, 'data[1]') },
    { entry: 'TopicProducer.push', input: 'partition hint -1', run: () => topicProducer.push({}, undefined, { partition: -1 }), expected: cfg(/must be a non-negative integer, got -1/, 'partitionHint') },
    { entry: 'TopicConsumer.process', input: 'no handler', run: () => topicConsumer.process(undefined as never), expected: cfg(/process\(handler\) needs a function/, 'handler') },
    { entry: 'TopicConsumer.process', input: 'maxEvents a string', run: () => topicConsumer.process(() => true, { maxEvents: 'x' as never }), expected: cfg(/must be a positive integer, got x/, 'maxEvents') },
    { entry: 'TopicConsumer.process', input: 'concurrency 0', run: () => topicConsumer.process(() => true, { concurrency: 0 }), expected: cfg(/must be a positive integer, got 0/, 'concurrency') },
    { entry: 'TopicProducer.flush', input: 'options a string', run: () => topicProducer.flush('x' as never), expected: typeError(/^flush\(options\) must be an object/) },
    { entry: 'TopicConsumer.close', input: 'options.timeoutMs a string', run: () => topicConsumer.close({ timeoutMs: 'x' as never }), expected: typeError(/^close: options.timeoutMs must be/) },
    { entry: 'TopicConsumer.pull', input: 'timeout a string', run: () => topicConsumer.pull({ timeoutMs: 'x' as never }), expected: typeError(/options.timeoutMs must be/) },
  ];
  it.each(cases)('$entry: $input', async ({ run, expected }) => {
    checkError(await failureOf(run), expected);
  });

  it('the clients still work after all of that', async () => {
    const report = await producer.send({ topic: TOPIC, value: 'still fine' });
    expect(report.offset).toBeGreaterThanOrEqual(0n);
    await consumer.seek([{ topic: TOPIC, partition: 0, offset: report.offset }]);
    expect((await consumer.consume({ timeoutMs: 10_000 }))?.value?.toString()).toBe('still fine');
    expect(typeof (await topicProducer.push({ fine: true }))).toBe('bigint');
  });
});

describe('metadata that is not JSON: ValidationError, the producer goes on', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: Array<[string, unknown, RegExp]> = [
    // bigints are written exactly within the 64-bit integers Octopus reads (issue 17).
    ['a BigInt beyond 64 bits', { n: 2n ** 64n }, /out of range: integer 18446744073709551616 is outside the 64-bit integers/],
    ['a cycle', cyclic, /not JSON-serializable: it contains a cycle/],
    ['undefined', undefined, /not JSON-serializable \(undefined\)/],
    ['a function', () => 1, /not JSON-serializable \(function\)/],
    ['a symbol', Symbol('s'), /not JSON-serializable \(symbol\)/],
  ];
  it.each(cases)('push(%s)', async (_, metadata, message) => {
    checkError(await failureOf(() => topicProducer.push(metadata)), { type: ValidationError, code: '_INVALID_ARG', message });
  });

  it('a schema validator names the field that fails', async () => {
    const strict = await driver.createTopic(unique('strict'), { validator: { type: 'schema', schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } } });
    const p = strict.producer();
    const e = await failureOf(() => p.push({ id: 'one' }));
    checkError(e, { type: ValidationError, code: '_INVALID_ARG', message: /id/ });
    expect((e as ValidationError).path).toBe('id');
    expect(await p.push({ id: 1 })).toBe(0n);
    await p.close();
  });
});

describe('messages beyond message.max.bytes: MSG_SIZE_TOO_LARGE, the producer goes on', () => {
  const big = Buffer.alloc(20_000);
  // Refused when enqueued ("cannot send to") or, on the packed path, reported like a failed
  // delivery ("delivery to"): the same code and reason either way.
  const tooLarge: Expected = { type: KafkaError, code: 'MSG_SIZE_TOO_LARGE', message: /(cannot send to|delivery to) "bad-input"(:| failed:) Broker: Message size too large/ };
  const cases: Case[] = [
    { entry: 'KafkaProducer.send', input: '20 kB', run: () => producer.send({ topic: TOPIC, value: big }), expected: tooLarge },
    { entry: 'KafkaProducer.sendBatch', input: 'the 2nd of 3 (copying path)', run: () => producer.sendBatch([{ topic: TOPIC, value: 'a' }, { topic: TOPIC, value: big }, { topic: TOPIC, value: 'c' }]), expected: tooLarge },
    { entry: 'KafkaProducer.sendBatch', input: 'the 5th of 10 (packed path)', run: () => producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: TOPIC, value: i === 4 ? big : 'x' }))), expected: tooLarge },
    { entry: 'KafkaProducer.produce', input: '20 kB key', run: () => producer.produce({ topic: TOPIC, key: big, value: null }), expected: tooLarge },
    { entry: 'TopicProducer.push', input: '20 kB data', run: () => topicProducer.push({ big: true }, big), expected: { ...tooLarge, message: /Message size too large/ } },
  ];
  it.each(cases)('$entry: $input', async ({ run, expected }) => {
    checkError(await failureOf(run), expected);
    expect((await producer.send({ topic: TOPIC, value: 'small' })).offset).toBeGreaterThan(0n);
  });
});

describe('unknown topics', () => {
  it('a send to a topic the cluster does not know fails with UNKNOWN_TOPIC_OR_PART naming it', async () => {
    const missing = unique('missing');
    await mock.setTopicError(missing, 3);
    const p = new KafkaProducer({ 'bootstrap.servers': servers, 'topic.metadata.propagation.max.ms': 500 });
    checkError(await failureOf(() => p.send({ topic: missing, value: 'x' })), {
      type: KafkaError,
      code: 'UNKNOWN_TOPIC_OR_PART',
      message: new RegExp(`delivery to "${missing}" failed: Broker: Unknown topic or partition`),
    });
    await p.close();
  });

  it('subscribing to a topic that does not exist is an error event naming it; the consumer goes on', async () => {
    const missing = unique('nowhere');
    const c = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
    const errors: KafkaError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.subscribe([missing]);
    const deadline = Date.now() + 20_000;
    while (errors.length === 0 && Date.now() < deadline) expect(await c.consume({ timeoutMs: 500 })).toBeNull();
    expect(errors[0]).toBeInstanceOf(KafkaError);
    expect(errors[0]!.codeName).toBe('UNKNOWN_TOPIC_OR_PART');
    expect(errors[0]!.message).toContain(missing);
    await c.subscribe([TOPIC]);
    await c.close();
  });

  it('describeTopics and openTopic of a missing topic: AdminError / TopicNotFoundError', async () => {
    checkError(await failureOf(() => admin.describeTopics(['not-there'])), { type: AdminError, code: 'UNKNOWN_TOPIC_OR_PART', message: /topic "not-there"/ });
    checkError(await failureOf(() => driver.openTopic('not-there')), { type: TopicNotFoundError, code: 'UNKNOWN_TOPIC_OR_PART', message: /topic not found: "not-there"/ });
  });

  it('a topic in error elsewhere in the cluster does not stop the driver', async () => {
    const broken = unique('broken');
    await mock.setTopicError(broken, 3);
    try {
      const name = unique('fine');
      await driver.createTopic(name);
      expect(await driver.topicExists(name)).toBe(true);
      expect((await driver.openTopic(name)).name).toBe(name);
      expect((await driver.listTopics()).map((t) => t.name)).toContain(name);
      expect(await driver.topicExists(broken)).toBe(false);
    } finally {
      await mock.setTopicError(broken, 0);
    }
  });
});

describe('calls after close: ClosedError, or the documented empty result', () => {
  it('KafkaProducer: every method', async () => {
    const p = new KafkaProducer({ 'bootstrap.servers': servers });
    await p.close();
    const calls: Record<string, () => unknown> = {
      send: () => p.send({ topic: TOPIC, value: 'x' }),
      sendBatch: () => p.sendBatch([{ topic: TOPIC, value: 'x' }]),
      produce: () => p.produce({ topic: TOPIC, value: 'x' }),
      flush: () => p.flush({ timeoutMs: 100 }),
      waitForRoom: () => p.waitForRoom({ timeoutMs: 60_000 }),
      initTransactions: () => p.initTransactions({ timeoutMs: 100 }),
      beginTransaction: () => p.beginTransaction(),
      sendOffsetsToTransaction: () => p.sendOffsetsToTransaction([], consumer),
      commitTransaction: () => p.commitTransaction({ timeoutMs: 100 }),
      abortTransaction: () => p.abortTransaction({ timeoutMs: 100 }),
      transaction: () => p.transaction(async () => 1),
    };
    for (const [name, call] of Object.entries(calls)) {
      checkError(await failureOf(call), closed(new RegExp(`producer \\((${name}|send|beginTransaction) after close\\) is closed`)));
    }
    expect(await p.close()).toEqual({ timedOut: false, undelivered: 0 });
    expect(p.ref().unref()).toBe(p);
    expect(p.isClosed).toBe(true);
  });

  it('KafkaConsumer: every method', async () => {
    const c = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
    await c.close();
    const tp = { topic: TOPIC, partition: 0 };
    const calls: Record<string, () => unknown> = {
      subscribe: () => c.subscribe([TOPIC]),
      unsubscribe: () => c.unsubscribe(),
      assign: () => c.assign([tp]),
      unassign: () => c.unassign(),
      incrementalAssign: () => c.incrementalAssign([tp]),
      incrementalUnassign: () => c.incrementalUnassign([tp]),
      assignment: () => c.assignment(),
      commit: () => c.commit(),
      commitMessage: () => c.commitMessage({ ...tp, offset: 0n }),
      markProcessed: () => c.markProcessed({ ...tp, offset: 0n }),
      committed: () => c.committed([tp]),
      position: () => c.position([tp]),
      seek: () => c.seek([{ ...tp, offset: 0n }]),
      pause: () => c.pause([tp]),
      resume: () => c.resume([tp]),
      queryWatermarkOffsets: () => c.queryWatermarkOffsets(TOPIC, 0),
      offsetsForTimes: () => c.offsetsForTimes([{ ...tp, offset: 0n }]),
      lag: () => c.lag(),
    };
    for (const [name, call] of Object.entries(calls)) checkError(await failureOf(call), closed(new RegExp(`consumer \\(${name} after close\\) is closed`)));
    // Reading after close ends at once, as reading at close does.
    expect(await c.consume({ timeoutMs: 60_000 })).toBeNull();
    expect(await c.consumeBatch(10, { timeoutMs: 60_000 })).toEqual([]);
    const seen: Message[] = [];
    for await (const m of c) seen.push(m);
    for await (const batch of c.batches()) seen.push(...batch);
    await c.run({ eachMessage: (m) => void seen.push(m) });
    expect(seen).toEqual([]);
    await c.close();
  });

  it('KafkaConsumer: reads after close() give nothing, even with messages still buffered', async () => {
    const t = unique('buffered');
    await mock.createTopic(t, 1);
    await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic: t, value: `m${i}` })));
    const reader = async (read: (c: KafkaConsumer) => Promise<number>): Promise<number> => {
      const c = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
      await c.assign([{ topic: t, partition: 0, offset: 0n }]);
      while (c.bufferedCount < 50) await new Promise((r) => setTimeout(r, 20));
      const closing = c.close();
      const n = await read(c);
      await closing;
      return n;
    };
    expect(await reader(async (c) => ((await c.consume({ timeoutMs: 1000 })) === null ? 0 : 1))).toBe(0);
    expect(await reader(async (c) => (await c.consumeBatch(100, { timeoutMs: 1000 })).length)).toBe(0);
    expect(await reader(async (c) => {
      let n = 0;
      for await (const _ of c) n++;
      return n;
    })).toBe(0);
    expect(await reader(async (c) => {
      let n = 0;
      for await (const b of c.batches()) n += b.length;
      return n;
    })).toBe(0);
    expect(await reader(async (c) => {
      let n = 0;
      await c.run({ eachMessage: () => void n++ });
      return n;
    })).toBe(0);
    // A loop that closes its consumer stops at the next message, not at the end of the batch.
    expect(await (async () => {
      const c = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
      await c.assign([{ topic: t, partition: 0, offset: 0n }]);
      while (c.bufferedCount < 50) await new Promise((r) => setTimeout(r, 20));
      let n = 0;
      let closing: Promise<unknown> | undefined;
      for await (const _ of c) if (++n === 10) closing = c.close();
      await closing;
      return n;
    })()).toBe(10);
  });

  it('KafkaAdmin: every method', async () => {
    const a = new KafkaAdmin({ 'bootstrap.servers': servers });
    await a.close();
    const calls: Record<string, () => unknown> = {
      createTopics: () => a.createTopics([{ topic: 'x' }]),
      deleteTopics: () => a.deleteTopics(['x']),
      createPartitions: () => a.createPartitions([{ topic: 'x', totalCount: 2 }]),
      describeCluster: () => a.describeCluster(),
      listTopics: () => a.listTopics(),
      describeTopics: () => a.describeTopics(),
      listOffsets: () => a.listOffsets([{ topic: TOPIC, partition: 0, spec: 'latest' }]),
      listConsumerGroups: () => a.listConsumerGroups(),
      describeConsumerGroups: () => a.describeConsumerGroups(['g']),
      listConsumerGroupOffsets: () => a.listConsumerGroupOffsets('g'),
      describeConfigs: () => a.describeConfigs([{ type: 'topic', name: TOPIC }]),
      alterConfigs: () => a.alterConfigs([{ type: 'topic', name: TOPIC, changes: [{ name: 'retention.ms', value: '1' }] }] as never),
    };
    for (const [name, call] of Object.entries(calls)) checkError(await failureOf(call), closed(new RegExp(`admin \\(${name} after close\\) is closed`)));
    await a.close();
  });

  it('MockCluster: every method', async () => {
    const m = await MockCluster.start();
    await m.close();
    const calls: Record<string, () => unknown> = {
      createTopic: () => m.createTopic('x'),
      setBrokerDown: () => m.setBrokerDown(1),
      setBrokerUp: () => m.setBrokerUp(1),
      setBrokerRtt: () => m.setBrokerRtt(1, 10),
      pushRequestErrors: () => m.pushRequestErrors(0, [6]),
      setPartitionLeader: () => m.setPartitionLeader('x', 0, 1),
      setCoordinator: () => m.setCoordinator('group', 'g', 1),
      setTopicError: () => m.setTopicError('x', 3),
    };
    for (const [name, call] of Object.entries(calls)) checkError(await failureOf(call), closed(new RegExp(`mock cluster \\(${name} after close\\) is closed`)));
    await m.close();
  });

  it('Driver, its topic handles, topic producers and consumers', async () => {
    const d = await Driver.connect({ kafka: { 'bootstrap.servers': servers } });
    const t = await d.createTopic(unique('closing'));
    const tp = t.producer();
    const tc = t.consumer(unique('g'));
    await tp.push({ n: 1 });
    const event = await tc.pull({ timeoutMs: 10_000 });
    expect(event?.metadata).toEqual({ n: 1 });
    await tp.close();
    await tc.close();
    checkError(await failureOf(() => tp.push({ n: 2 })), closed(/producer \(push after close\) is closed/));
    checkError(await failureOf(() => tp.flush()), closed(/producer \(flush after close\) is closed/));
    expect(await tc.pull({ timeoutMs: 60_000 })).toBeNull();
    expect(await tc.process(() => true, { timeoutMs: 60_000 })).toBe(0);
    checkError(await failureOf(() => event!.acknowledge()), closed(/consumer \(commit after close\) is closed/));
    await d.close();
    const calls: Record<string, () => unknown> = {
      topicExists: () => d.topicExists('x'),
      createTopic: () => d.createTopic('x'),
      openTopic: () => d.openTopic('x'),
      listTopics: () => d.listTopics(),
      deleteTopic: () => d.deleteTopic('x'),
    };
    for (const [name, call] of Object.entries(calls)) checkError(await failureOf(call), closed(new RegExp(`driver \\(${name} after close\\) is closed`)));
    checkError(await failureOf(() => t.producer()), closed(/driver \(a topic producer or consumer after close\) is closed/));
    checkError(await failureOf(() => t.consumer('late')), closed(/driver \(a topic producer or consumer after close\) is closed/));
    checkError(await failureOf(() => t.markAsComplete()), closed(/driver \(markAsComplete after close\) is closed/));
    await d.close();
  });

  it("a topic's producer() / consumer() after its driver closed leave no client behind (the process exits)", () => {
    const script = `
      const { Driver } = require(${JSON.stringify(index)});
      (async () => {
        const driver = process.env.KAFKA_BOOTSTRAP_SERVERS ? await Driver.connect({ kafka: {} }) : await Driver.embedded({ kafka: {} });
        const topic = await driver.createTopic(${JSON.stringify(unique('closed-driver'))});
        await driver.close();
        for (const make of [() => topic.producer(), () => topic.consumer('g')]) {
          try { make(); console.log('no error'); } catch (e) { console.log(e.constructor.name, e.code); }
        }
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim().split('\n')).toEqual(['ClosedError -172', 'ClosedError -172']);
    // A client made before the driver refused it would keep the process alive.
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });
});

describe('handlers that throw: HandlerError with the thrown value as cause; consumption goes on', () => {
  /** A topic with `n` events {i}, and a fresh consumer of it. */
  async function events(n: number): Promise<{ reader: TopicConsumer; writer: TopicProducer }> {
    const t = await driver.createTopic(unique('handled'));
    const writer = t.producer();
    for (let i = 0; i < n; i++) await writer.push({ i });
    return { reader: t.consumer(unique('g')), writer };
  }

  it('process(): an Error thrown on the 3rd event', async () => {
    const { reader, writer } = await events(5);
    const boom = new Error('boom');
    const seen: number[] = [];
    const e = await failureOf(() =>
      reader.process((event) => {
        const { i } = event.metadata as { i: number };
        if (i === 2) throw boom;
        seen.push(i);
      }, { timeoutMs: 10_000 }),
    );
    checkError(e, { type: HandlerError, code: '_FAIL', message: /^process\(\): the handler on event 2 of partition 0 threw: Error: boom$/ });
    expect((e as HandlerError).cause).toBe(boom);
    expect(seen).toEqual([0, 1]);
    // The consumer goes on with the next events.
    const rest: number[] = [];
    await reader.process((event) => void rest.push((event.metadata as { i: number }).i), { maxEvents: 2, timeoutMs: 10_000 });
    expect(rest).toEqual([3, 4]);
    await reader.close();
    await writer.close();
  });

  it('process(): a string thrown by an async handler, with concurrency 3', async () => {
    const { reader, writer } = await events(6);
    let finished = 0;
    const e = await failureOf(() =>
      reader.process(async (event) => {
        await new Promise((r) => setTimeout(r, 20));
        if ((event.metadata as { i: number }).i === 1) throw 'oops';
        finished++;
      }, { concurrency: 3, timeoutMs: 10_000 }),
    );
    checkError(e, { type: HandlerError, code: '_FAIL', message: /the handler on event 1 of partition 0 threw: string "oops"/ });
    expect((e as HandlerError).cause).toBe('oops');
    // The handlers already running when it failed were waited for.
    expect(finished).toBeGreaterThanOrEqual(2);
    await reader.close();
    await writer.close();
  });

  it('KafkaConsumer.run(): eachMessage throws; the message stays buffered for the next read', async () => {
    const t = unique('run');
    await mock.createTopic(t, 1);
    await producer.sendBatch([0, 1, 2].map((i) => ({ topic: t, value: `m${i}` })));
    const c = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
    await c.assign([{ topic: t, partition: 0, offset: 0n }]);
    const boom = new RangeError('bad value');
    const e = await failureOf(() =>
      c.run({
        eachMessage: (m) => {
          if (m.offset === 1n) throw boom;
        },
      }),
    );
    checkError(e, { type: HandlerError, code: '_FAIL', message: new RegExp(`^run\\(\\): eachMessage on ${t} \\[0\\] @ 1 threw: RangeError: bad value$`) });
    expect((e as HandlerError).cause).toBe(boom);
    expect((await c.consume({ timeoutMs: 10_000 }))?.offset).toBe(1n);
    await c.close();
  });

  it('KafkaConsumer.run(): eachBatch throws a number', async () => {
    const t = unique('run');
    await mock.createTopic(t, 1);
    await producer.sendBatch([0, 1].map((i) => ({ topic: t, value: `m${i}` })));
    const c = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': unique('g') });
    await c.assign([{ topic: t, partition: 0, offset: 0n }]);
    const e = await failureOf(() =>
      c.run({
        eachBatch: () => {
          throw 42;
        },
      }),
    );
    checkError(e, { type: HandlerError, code: '_FAIL', message: new RegExp(`^run\\(\\): eachBatch on \\d messages from ${t} \\[0\\] @ 0 threw: number 42$`) });
    expect((e as HandlerError).cause).toBe(42);
    expect((await c.consume({ timeoutMs: 10_000 }))?.offset).toBe(0n);
    await c.close();
  });

  it('a rebalance hook that throws is an error event; the consumer still closes', async () => {
    const c = new KafkaConsumer(
      { 'bootstrap.servers': servers, 'group.id': unique('g'), 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
      {
        onAssign: () => {
          throw new Error('assign hook broke');
        },
      },
    );
    const errors: KafkaError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.subscribe([TOPIC]);
    const deadline = Date.now() + 30_000;
    while (errors.length === 0 && Date.now() < deadline) await c.consume({ timeoutMs: 200 });
    checkError(errors[0], { type: KafkaError, code: '_FAIL', message: /assign hook failed: assign hook broke/ });
    await c.close();
  });
});

describe('the process survived', () => {
  it('nothing reached unhandledRejection or uncaughtException', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(escaped).toEqual([]);
  });
});
