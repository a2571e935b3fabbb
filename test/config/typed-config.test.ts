/**
 * The typed configurations (lib/config/typed-config.ts). What compiles is checked by
 * `npm run typecheck`, which covers this file: each `@ts-expect-error` line is a
 * configuration that must not compile. At run time, the same configurations are checked
 * against validateConfig, so that the compiler and the runtime are seen to agree, and the
 * escape hatch is seen to leave the runtime checks in place.
 */
import { describe, expect, it } from 'vitest';

import {
  ConfigError,
  uncheckedConfig,
  validateConfig,
  type AdminConfig,
  type ClientConfig,
  type ConfigRole,
  type ConsumerConfig,
  type DriverConfig,
  type KafkaConfig,
  type ProducerConfig,
  type WorkerOptions,
} from '../../lib/index';

describe('typed configurations', () => {
  it('valid configurations compile and validate', () => {
    const producer: ProducerConfig = {
      'bootstrap.servers': ['b1:9092', 'b2:9092'],
      acks: 'all',
      'compression.type': 'zstd',
      'linger.ms': 5,
      'batch.num.messages': '1000',
      'message.timeout.ms': 30_000n,
      'enable.idempotence': true,
      debug: 'broker,protocol',
      partitioner: 'murmur2_random',
      'client.id': undefined,
    };
    const consumer: ConsumerConfig = {
      'bootstrap.servers': 'b1:9092',
      'group.id': 'g',
      'auto.offset.reset': 'earliest',
      'partition.assignment.strategy': ['cooperative-sticky'],
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': 'SCRAM-SHA-512',
      'sasl.username': 'u',
      'sasl.password': 'p',
      'enable.auto.commit': 'false',
      debug: ['cgrp', '+fetch'],
    };
    const admin: AdminConfig = { 'bootstrap.servers': 'b1:9092', 'client.id': 'admin', 'socket.timeout.ms': 10_000 };
    expect(validateConfig('producer', producer)).toMatchObject({ acks: '-1', 'compression.type': 'zstd', 'message.timeout.ms': '30000' });
    expect(validateConfig('consumer', consumer)).toMatchObject({ 'security.protocol': 'sasl_ssl', debug: 'cgrp,+fetch' });
    expect(validateConfig('admin', admin)).toMatchObject({ 'client.id': 'admin' });
    // HiddenProperties is written by hand beside config-names.ts's HIDDEN: the runtime takes each.
    const hidden: AdminConfig = { 'test.mock.num.brokers': 1, 'test.mock.broker.rtt': 0, 'client.software.name': 'app', 'client.software.version': '1.0' };
    expect(Object.keys(validateConfig('admin', hidden))).toHaveLength(4);
    // A typed configuration is a KafkaConfig (the wide type), as the runtime-checked paths take.
    const wide: KafkaConfig = producer;
    expect(wide).toBe(producer);
  });

  it('wrong names and values do not compile, and are ConfigErrors naming the property at run time', () => {
    const cases: Array<[ConfigRole, string, KafkaConfig]> = [];
    const add = (role: ConfigRole, property: string, config: object): void => void cases.push([role, property, config as KafkaConfig]);
    // @ts-expect-error acks is a number or 'all'
    add('producer', 'acks', { acks: 'most' } satisfies ProducerConfig);
    // @ts-expect-error linger.ms is a number
    add('producer', 'linger.ms', { 'linger.ms': 'soon' } satisfies ProducerConfig);
    // @ts-expect-error bootstrap.servers is a string or an array of strings
    add('admin', 'bootstrap.servers', { 'bootstrap.servers': 9092 } satisfies AdminConfig);
    // @ts-expect-error a misspelt name
    add('consumer', 'group.idd', { 'group.idd': 'g' } satisfies ConsumerConfig);
    // @ts-expect-error a producer property in a consumer configuration
    add('consumer', 'linger.ms', { 'linger.ms': 5 } satisfies ConsumerConfig);
    // @ts-expect-error an admin client takes only what every client takes
    add('admin', 'group.id', { 'group.id': 'g' } satisfies AdminConfig);
    // @ts-expect-error compression.type is one of none, gzip, snappy, lz4, zstd
    add('producer', 'compression.type', { 'compression.type': 'brotli' } satisfies ProducerConfig);
    // @ts-expect-error auto.offset.reset is one of its named values
    add('consumer', 'auto.offset.reset', { 'auto.offset.reset': 'oldest' } satisfies ConsumerConfig);
    // @ts-expect-error a boolean property
    add('producer', 'enable.idempotence', { 'enable.idempotence': 'yes' } satisfies ProducerConfig);
    // @ts-expect-error an unknown debug context
    add('consumer', 'debug', { debug: ['brokers'] } satisfies ConsumerConfig);
    // @ts-expect-error callback properties are set through octokafka's events, not the configuration
    add('producer', 'dr_msg_cb', { dr_msg_cb: 'x' } satisfies ProducerConfig);
    // @ts-expect-error what the prebuilt librdkafka lacks (libcurl) is left out
    add('producer', 'sasl.oauthbearer.method', { 'sasl.oauthbearer.method': 'oidc' } satisfies ProducerConfig);
    for (const [role, property, config] of cases) {
      expect(() => validateConfig(role, config), property).toThrow(ConfigError);
      try {
        validateConfig(role, config);
      } catch (e) {
        expect((e as ConfigError).property).toBe(property);
      }
    }
    expect(cases).toHaveLength(12);
  });

  it('uncheckedConfig: the compiler does not check what it wraps, the runtime still does', () => {
    const mixedCase: ProducerConfig = { 'bootstrap.servers': 'b:9092', ...uncheckedConfig({ 'compression.type': 'Gzip', 'topic.acks': 1, 'enable.idempotence': false }) };
    expect(validateConfig('producer', mixedCase)).toMatchObject({ 'compression.type': 'gzip', 'topic.acks': '1' });
    const fromEnv: KafkaConfig = { 'linger.ms': '20' };
    const consumer: ConsumerConfig = { 'group.id': 'g', ...uncheckedConfig(fromEnv) };
    expect(() => validateConfig('consumer', consumer)).toThrow(/is a producer property/);
    const unknown: AdminConfig = uncheckedConfig({ 'no.such.property': 1 });
    expect(() => validateConfig('admin', unknown)).toThrow(/unknown librdkafka property/);
  });

  it('the topic Driver and the worker take the typed configurations too', () => {
    const driver: DriverConfig = { kafka: { 'bootstrap.servers': 'b:9092', 'linger.ms': 5, 'group.instance.id': 'i' }, namespace: 'ns' };
    // @ts-expect-error the kafka block is a ClientConfig
    const badDriver: DriverConfig = { kafka: { 'linger.ms': 'soon' } };
    const worker: Pick<WorkerOptions, 'consumerConfig' | 'producerConfig'> = { consumerConfig: { 'fetch.wait.max.ms': 10 }, producerConfig: { 'linger.ms': 1 } };
    // @ts-expect-error the consumer's configuration takes consumer properties
    const badWorker: Pick<WorkerOptions, 'consumerConfig'> = { consumerConfig: { 'linger.ms': 1 } };
    const shared: ClientConfig = { ...worker.consumerConfig, ...worker.producerConfig };
    expect([driver, badDriver, badWorker, shared]).toHaveLength(4);
  });
});
