/** `new Kafka(config)`: the factory of KafkaJS producers, consumers and admin clients. */
import { KafkaJSAdmin } from './admin';
import { mapKafkaConfig, type ClientBase } from './config-mapping';
import { KafkaJSConsumer } from './consumer';
import { KafkaJSProducer } from './producer';
import type { AdminConfig, ConsumerConfig, KafkaConfig, Logger, ProducerConfig } from './types';

/**
 * The entry point of the KafkaJS API, over octokafka's librdkafka clients.
 *
 * @example
 * ```ts
 * import { Kafka } from 'octokafka/kafkajs';
 * const kafka = new Kafka({ clientId: 'my-app', brokers: ['kafka1:9092'] });
 * const producer = kafka.producer();
 * await producer.connect();
 * await producer.send({ topic: 'test-topic', messages: [{ value: 'Hello' }] });
 * ```
 */
export class Kafka {
  private readonly base: ClientBase;
  private readonly consumers = new Set<KafkaJSConsumer>();

  /**
   * Maps the KafkaJS configuration onto librdkafka properties (see {@link KafkaConfig} for each
   * option); nothing connects yet. Options librdkafka cannot honour are reported by a warning
   * naming them, or, when ignoring them would change behaviour (custom SASL mechanisms, `aws`
   * without a region, an empty broker list), by a {@link KafkaJSNonRetriableError}.
   */
  constructor(config: KafkaConfig) {
    this.base = mapKafkaConfig(config);
  }

  /**
   * A new producer. librdkafka fixes `acks`, `compression` and `timeout` per producer: sends
   * with values other than the defaults go through another librdkafka producer made for them.
   * Its transactions send the group metadata of this instance's running consumers with their
   * offsets.
   */
  producer(config: ProducerConfig = {}): KafkaJSProducer {
    return new KafkaJSProducer(this.base, config, {
      rawConsumerOf: (groupId) => [...this.consumers].find((c) => c.group === groupId && c.rawConsumer())?.rawConsumer(),
    });
  }

  /** A new consumer of group `config.groupId`: a librdkafka consumer per `run` (a new one after each restart) and an admin connection from `connect` on. */
  consumer(config: ConsumerConfig): KafkaJSConsumer {
    return new KafkaJSConsumer(this.base, config, this.consumers);
  }

  /** A new admin client, over octokafka's `KafkaAdmin`. */
  admin(config: AdminConfig = {}): KafkaJSAdmin {
    return new KafkaJSAdmin(this.base, config);
  }

  /** The root logger (configured by `logLevel` / `logCreator`). */
  logger(): Logger {
    return this.base.logger;
  }
}
