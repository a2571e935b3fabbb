/** TopicHandle: an opened topic, its components, and the factory of its producers and consumers. */
import type { PartitionSelector, Serializer, Validator } from './components';
import { TopicConsumer, type TopicConsumerOptions } from './consumer';
import type { TopicNotes } from './notes';
import { TopicProducer, type TopicProducerOptions } from './producer';
import type { DriverContext, TopicParts } from './types';
import { encodeEndOfStream } from './wire';

/** An opened topic. Made by `Driver.createTopic` / `Driver.openTopic`. */
export class TopicHandle {
  // A private field: the context holds the driver's configuration, credentials included.
  readonly #context: DriverContext;

  /** @internal */
  constructor(
    context: DriverContext,
    private readonly parts: TopicParts,
  ) {
    this.#context = context;
  }

  private get context(): DriverContext {
    return this.#context;
  }

  /** The topic's name (without the namespace). */
  get name(): string {
    return this.parts.name;
  }

  /** The Kafka topic behind it. */
  get kafkaTopic(): string {
    return this.parts.kafkaTopic;
  }

  /** The partitions, as Octopus describes them: `[{ partition_id: 0 }, ...]`. */
  get partitions(): Array<{
    /** The partition number. */
    partition_id: number;
  }> {
    return Array.from({ length: this.parts.partitions }, (_, i) => ({ partition_id: i }));
  }

  /** The topic's validator, built from its stored description. */
  get validator(): Validator {
    return this.parts.validator;
  }

  /** The topic's partition selector, built from its stored description. */
  get selector(): PartitionSelector {
    return this.parts.selector;
  }

  /** The topic's serializer, built from its stored description. */
  get serializer(): Serializer {
    return this.parts.serializer;
  }

  /** A producer of events of this topic (closed with the driver if not before). */
  producer(options: TopicProducerOptions = {}): TopicProducer {
    return new TopicProducer(this.context, this.parts, options);
  }

  /**
   * A consumer of this topic.
   * @param name the consumer group: a consumer restarting under the same name resumes after
   *   the last event it acknowledged.
   */
  consumer(name: string, options: TopicConsumerOptions = {}): TopicConsumer {
    return new TopicConsumer(this.context, this.parts, name, options);
  }

  /**
   * Writes the end-of-stream marker to every partition: consumers then see
   * `event.isEndOfStream` there and their iteration ends once every partition they read ended.
   */
  async markAsComplete(): Promise<void> {
    const producer = this.context.producer();
    await producer.sendBatch(this.partitions.map((p) => ({ topic: this.parts.kafkaTopic, partition: p.partition_id, value: encodeEndOfStream() })));
  }
}
