/**
 * Dead-letter messages: a message whose every attempt failed goes to the dead-letter
 * topic as it was (key, value, headers), plus headers saying where it came from and why it
 * failed, so that it can be inspected and replayed.
 */
import type { Message, OutgoingMessage } from '../../core/message';

/** Header names a dead-letter message carries (values are UTF-8 text). */
export const DEAD_LETTER_HEADERS = {
  /** The last error's message. */
  error: 'octokafka.dlq.error',
  /** The last error's class name (and code name for a KafkaError), e.g. `TypeError` or `KafkaError:_MSG_TIMED_OUT`. */
  errorType: 'octokafka.dlq.error.type',
  /** The original topic. */
  topic: 'octokafka.dlq.topic',
  /** The original partition. */
  partition: 'octokafka.dlq.partition',
  /** The original offset. */
  offset: 'octokafka.dlq.offset',
  /** The original message's timestamp (ms since the epoch). */
  timestamp: 'octokafka.dlq.timestamp',
  /** How many attempts were made. */
  attempts: 'octokafka.dlq.attempts',
  /** The consumer group that gave up. */
  group: 'octokafka.dlq.group',
  /** When it gave up (ISO 8601). */
  failedAt: 'octokafka.dlq.failed_at',
} as const;

const OWN = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

/** Longest error text carried (a stack-sized message must not make the record too large). */
const MAX_ERROR_CHARS = 8192;

function describe(error: unknown): { message: string; type: string } {
  if (error instanceof Error) {
    const code = (error as { codeName?: unknown }).codeName;
    return { message: error.message, type: typeof code === 'string' ? `${error.name}:${code}` : error.name };
  }
  return { message: String(error), type: typeof error };
}

/** What a dead-letter message records besides the original. */
export interface DeadLetterInfo {
  /** The dead-letter topic. */
  topic: string;
  /** The last attempt's error. */
  error: unknown;
  /** How many attempts were made. */
  attempts: number;
  /** The consumer group that gave up. */
  group: string;
  /** When it failed (default: now). */
  now?: Date;
}

/**
 * The dead-letter copy of `message`: same key, value and headers (earlier dead-letter
 * headers replaced, so a replayed message that fails again says why this time).
 */
export function deadLetterMessage(message: Message, info: DeadLetterInfo): OutgoingMessage {
  const { message: text, type } = describe(info.error);
  const headers: Array<[string, Buffer | string | null]> = message.headers.filter(([name]) => !OWN.has(name));
  headers.push(
    [DEAD_LETTER_HEADERS.error, text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text],
    [DEAD_LETTER_HEADERS.errorType, type],
    [DEAD_LETTER_HEADERS.topic, message.topic],
    [DEAD_LETTER_HEADERS.partition, String(message.partition)],
    [DEAD_LETTER_HEADERS.offset, String(message.offset)],
    [DEAD_LETTER_HEADERS.timestamp, String(message.timestamp)],
    [DEAD_LETTER_HEADERS.attempts, String(info.attempts)],
    [DEAD_LETTER_HEADERS.group, info.group],
    [DEAD_LETTER_HEADERS.failedAt, (info.now ?? new Date()).toISOString()],
  );
  return { topic: info.topic, key: message.key, value: message.value, headers };
}
