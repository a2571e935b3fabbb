/**
 * The info topic `<ns.>__info_<name>`: one partition holding three plain values (no key, no
 * headers), in this order: the validator's, the selector's and the serializer's JSON
 * description — the records Octopus writes and reads.
 */
import type { ClientOptions } from '../core/client-base';
import type { KafkaConfig } from '../config/client-config';
import { KafkaConsumer } from '../client/consumer';
import { ErrorCode, KafkaError } from '../util/errors';
import { Offset } from '../core/message';
import type { KafkaProducer } from '../client/producer';
import { descriptionJson, type PartitionSelector, type Serializer, type Validator } from './components';

/** The three component descriptions of a topic, as JSON text. */
export interface InfoRecords {
  validator: string;
  selector: string;
  serializer: string;
}

/** Writes the three records, in order, to partition 0 of the info topic. */
export async function writeInfo(
  producer: KafkaProducer,
  infoTopic: string,
  components: { validator: Validator; selector: PartitionSelector; serializer: Serializer },
): Promise<void> {
  const texts = [components.validator, components.selector, components.serializer].map(descriptionJson);
  // One batch to one partition of an idempotent producer: the order is kept.
  await producer.sendBatch(texts.map((t) => ({ topic: infoTopic, partition: 0, value: Buffer.from(t, 'utf8') })));
}

/**
 * Reads the three records: partition 0 assigned from the beginning, read up to its high
 * watermark (an empty topic returns at once rather than waiting for records).
 * @throws KafkaError (NOENT) when the info topic holds fewer than three records.
 */
export async function readInfo(kafka: KafkaConfig, infoTopic: string, timeoutMs = 10_000, clientOptions: ClientOptions = {}): Promise<InfoRecords> {
  // A group id only because librdkafka wants one for a consumer; nothing joins or commits.
  const consumer = new KafkaConsumer({ ...kafka, 'group.id': `octokafka-info-reader`, 'enable.auto.commit': false }, clientOptions);
  try {
    const { low, high } = await consumer.queryWatermarkOffsets(infoTopic, 0, { timeoutMs });
    const values: string[] = [];
    if (high - low >= 3n) {
      await consumer.assign([{ topic: infoTopic, partition: 0, offset: Offset.BEGINNING }]);
      const deadline = Date.now() + timeoutMs;
      while (values.length < 3) {
        const left = deadline - Date.now();
        const m = left > 0 ? await consumer.consume({ timeoutMs: left }) : null;
        if (m === null) break;
        values.push(m.value === null ? '' : m.value.toString('utf8'));
      }
    }
    if (values.length < 3) {
      throw new KafkaError({
        message: `info topic ${JSON.stringify(infoTopic)} holds ${values.length < 3 && high - low < 3n ? String(high - low) : values.length} of its 3 component records`,
        code: ErrorCode.NOENT,
      });
    }
    return { validator: values[0]!, selector: values[1]!, serializer: values[2]! };
  } finally {
    await consumer.close();
  }
}
