/** Types of the producer's public API that its helper modules share with it. */
import type { DeliveryReport } from '../core/message';
import type { KafkaError } from '../util/errors';

/** The callback of {@link KafkaProducer.produce}: an error, or the delivery report. */
export type DeliveryCallback = (error: KafkaError | null, report: DeliveryReport | null) => void;
