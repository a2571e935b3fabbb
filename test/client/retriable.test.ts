/**
 * One table says which error codes are worth retrying (lib/util/errors.ts): errors built from a
 * bare code (delivery reports, consumer errors, events) take their `isRetriable` from it.
 */
import { describe, expect, it } from 'vitest';

import { ErrorCode, RETRIABLE_CODES, isRetriableCode } from '../../lib/util/errors';
import { nativeError } from '../../lib/native/binding';

describe('retriable error codes', () => {
  it('a message that timed out is not retriable: it may have been written, and librdkafka already retried it', () => {
    expect(isRetriableCode(ErrorCode.MSG_TIMED_OUT)).toBe(false);
    expect(nativeError(ErrorCode.MSG_TIMED_OUT).isRetriable).toBe(false);
  });

  it('transient conditions are', () => {
    for (const code of [ErrorCode.TRANSPORT, ErrorCode.TIMED_OUT, ErrorCode.QUEUE_FULL, ErrorCode.ALL_BROKERS_DOWN]) {
      expect(isRetriableCode(code), String(code)).toBe(true);
      expect(nativeError(code).isRetriable, String(code)).toBe(true);
    }
    // Broker: NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), coordinator moves, NETWORK_EXCEPTION.
    for (const code of [6, 5, 7, 19, 20, 14, 15, 16, 13]) expect(nativeError(code).isRetriable, String(code)).toBe(true);
  });

  it('others are not, and a classification the native side made (librdkafka rd_kafka_error_t) is kept', () => {
    expect(nativeError(ErrorCode.MSG_SIZE_TOO_LARGE).isRetriable).toBe(false);
    expect(nativeError({ code: ErrorCode.FAIL, message: 'x', retriable: true }).isRetriable).toBe(true);
    expect([...RETRIABLE_CODES].every((code) => isRetriableCode(code))).toBe(true);
  });
});
