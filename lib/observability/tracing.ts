/**
 * Tracing hooks. Two `node:diagnostics_channel` tracing channels — `octokafka:produce`
 * (around `send`/`sendBatch`, until the broker acknowledged) and `octokafka:consume`
 * (around each worker handler call) — let an APM agent open spans without patching, and
 * a {@link TracePropagator} carries W3C trace context (`traceparent`/`tracestate`) in
 * message headers from producer to consumer.
 *
 * Nothing is done when nobody subscribes and no propagator is set: the produce path then
 * costs one check.
 */
import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

import type { BatchDelivery } from '../core/batch-delivery';
import { ConfigError } from '../util/errors';
import type { DeliveryReport, Header, Message, OutgoingMessage } from '../core/message';

/** The context object `octokafka:produce` subscribers receive (`result`/`error` are set by the channel). */
export interface ProduceTraceContext {
  /** The producer method traced. */
  operation: 'send' | 'sendBatch';
  /** The messages as sent (with the injected trace headers, once the traced call began). */
  messages: readonly OutgoingMessage[];
  /** The delivery report(s), set before `asyncEnd` when the call succeeded. */
  result?: DeliveryReport | DeliveryReport[] | BatchDelivery;
  /** What the call rejected with, set before `error` and `asyncEnd`. */
  error?: unknown;
}

/** The context object `octokafka:consume` subscribers receive, once per handler attempt. */
export interface ConsumeTraceContext {
  /** The worker's consumer group. */
  group: string;
  /** The topic of the message(s). */
  topic: string;
  /** The partition of the message(s). */
  partition: number;
  /** The message, or the batch, handed to the handler. */
  messages: readonly Message[];
  /** 1 for the first attempt. */
  attempt: number;
  /** What the propagator extracted from the (first) message's headers, if anything. */
  traceContext: unknown;
  /** What the handler returned, when it succeeded. */
  result?: unknown;
  /** What the handler threw or rejected with. */
  error?: unknown;
}

// Both type arguments are the context type: @types/node 20 declares TracingChannel<StoreType,
// ContextType> and later versions TracingChannel<ContextType, StoreType>, so the declaration
// compiles against either only when the two are the same.
/** Produce spans: start when send/sendBatch is called, asyncEnd when the broker acknowledged. */
export const produceChannel: TracingChannel<ProduceTraceContext, ProduceTraceContext> = tracingChannel('octokafka:produce');
/** Consume spans: around each worker handler attempt. */
export const consumeChannel: TracingChannel<ConsumeTraceContext, ConsumeTraceContext> = tracingChannel('octokafka:consume');

/** Carries trace context through message headers. */
export interface TracePropagator {
  /** Adds the active trace context to an outgoing carrier (`traceparent`, `tracestate`, ...). */
  inject(carrier: Record<string, string>): void;
  /** The trace context in a consumed message's headers (undefined when there is none). */
  extract(carrier: Readonly<Record<string, string>>): unknown;
  /** Runs `fn` with an extracted context active, so that spans it starts are its children. */
  with<T>(context: unknown, fn: () => T): T;
}

let propagator: TracePropagator | undefined;

/**
 * Sets (or, with null, removes) the process's trace propagator: producers inject its
 * context into every message's headers, workers extract it and run handlers in it.
 */
export function setTracePropagator(p: TracePropagator | null): void {
  if (p !== null && (typeof p?.inject !== 'function' || typeof p.extract !== 'function' || typeof p.with !== 'function')) {
    throw new ConfigError('propagator', 'must have inject(carrier), extract(carrier) and with(context, fn)');
  }
  propagator = p ?? undefined;
}

/** The process's trace propagator, if one is set. */
export function getTracePropagator(): TracePropagator | undefined {
  return propagator;
}

function channelActive(c: TracingChannel<object, object>): boolean {
  // TracingChannel#hasSubscribers arrived in Node 20.13; the sub-channels work everywhere.
  const own = (c as { hasSubscribers?: boolean }).hasSubscribers;
  if (own !== undefined) return own;
  return c.start.hasSubscribers || c.end.hasSubscribers || c.asyncStart.hasSubscribers || c.asyncEnd.hasSubscribers || c.error.hasSubscribers;
}

/** A W3C `traceparent`, parsed. */
export interface TraceParent {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** The parent span: 16 lowercase hex digits, not all zero. */
  spanId: string;
  /** Trace flags (bit 0: sampled). */
  flags: number;
  /** The `tracestate` header that came with it, if any. */
  tracestate?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a `traceparent` header value; undefined when it is not a valid one. */
export function parseTraceparent(value: string, tracestate?: string): TraceParent | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is forbidden; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, flags: parseInt(flags!, 16), ...(tracestate ? { tracestate } : {}) };
}

/** Formats a `traceparent` header value (version 00). */
export function formatTraceparent(tp: Pick<TraceParent, 'traceId' | 'spanId' | 'flags'>): string {
  return `00-${tp.traceId}-${tp.spanId}-${(tp.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * A W3C trace-context propagator for applications with their own notion of the current
 * span: `active()` returns it (or undefined), `with(ctx, fn)` makes an extracted one
 * current (default: just runs `fn`).
 */
export function w3cPropagator(options: { active(): TraceParent | undefined; with?<T>(context: TraceParent, fn: () => T): T }): TracePropagator {
  return {
    inject(carrier) {
      const tp = options.active();
      if (!tp) return;
      carrier.traceparent = formatTraceparent(tp);
      if (tp.tracestate) carrier.tracestate = tp.tracestate;
    },
    extract(carrier) {
      const value = carrier.traceparent;
      return value === undefined ? undefined : parseTraceparent(value, carrier.tracestate);
    },
    with(context, fn) {
      return context && options.with ? options.with(context as TraceParent, fn) : fn();
    },
  };
}

/**
 * A propagator over `@opentelemetry/api`: injects the active context with the globally
 * configured propagator (W3C trace context with the usual SDK setup) and runs handlers in
 * the extracted context.
 * @throws ConfigError when `@opentelemetry/api` is not installed.
 */
export function openTelemetryPropagator(): TracePropagator {
  let api: typeof import('@opentelemetry/api');
  try {
    // Synchronous: inject runs inside send().
    api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  } catch (e) {
    const error = new ConfigError('propagator', 'requires the optional package @opentelemetry/api: run `npm install @opentelemetry/api`');
    Object.defineProperty(error, 'cause', { value: e, enumerable: false, configurable: true, writable: true });
    throw error;
  }
  return {
    inject: (carrier) => api.propagation.inject(api.context.active(), carrier),
    extract: (carrier) => api.propagation.extract(api.ROOT_CONTEXT, carrier),
    with: (context, fn) => api.context.with(context as import('@opentelemetry/api').Context, fn),
  };
}

/** The message with the propagator's headers added (a copy; the caller's object is untouched). */
function withTraceHeaders(message: OutgoingMessage, p: TracePropagator): OutgoingMessage {
  if (message === null || typeof message !== 'object') return message;
  const carrier: Record<string, string> = {};
  p.inject(carrier);
  const names = Object.keys(carrier);
  if (names.length === 0) return message;
  const existing = message.headers == null ? [] : Array.isArray(message.headers) ? message.headers : Object.entries(message.headers);
  // The current context replaces one the message may carry from elsewhere.
  const kept = existing.filter(([name]) => !names.includes(name));
  return { ...message, headers: [...kept, ...Object.entries(carrier)] };
}

/** Headers of a consumed message as a carrier (the first value of each name). */
export function headerCarrier(headers: readonly Header[]): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const [name, value] of headers) if (!(name in carrier) && value !== null) carrier[name] = value.toString('utf8');
  return carrier;
}

interface Sender {
  send(message: OutgoingMessage, options?: object): Promise<DeliveryReport>;
  sendBatch(messages: OutgoingMessage[], options?: object): Promise<DeliveryReport[] | BatchDelivery>;
}

/**
 * Wraps a producer prototype's `send` and `sendBatch` with the produce channel and header
 * injection. Wrapping (rather than code inside the send paths) keeps those paths as they
 * are; without subscribers or propagator the wrapper is one check and a call.
 */
export function instrumentSends(proto: Sender): void {
  const send = proto.send;
  const sendBatch = proto.sendBatch;
  proto.send = function (this: Sender, message: OutgoingMessage, options?: object): Promise<DeliveryReport> {
    const p = propagator;
    const active = channelActive(produceChannel);
    if (!p && !active) return send.call(this, message, options);
    if (!active) return send.call(this, withTraceHeaders(message, p!), options);
    const context: ProduceTraceContext = { operation: 'send', messages: [message] };
    // Injected inside the traced function: a subscriber's span (bound to `start`) is the
    // active context there, so the headers name it as the parent.
    return produceChannel.tracePromise(() => {
      const traced = p ? withTraceHeaders(message, p) : message;
      context.messages = [traced];
      return send.call(this, traced, options);
    }, context);
  };
  proto.sendBatch = function (this: Sender, messages: OutgoingMessage[], options?: object): Promise<DeliveryReport[] | BatchDelivery> {
    const p = propagator;
    const active = channelActive(produceChannel);
    if ((!p && !active) || !Array.isArray(messages)) return sendBatch.call(this, messages, options);
    if (!active) return sendBatch.call(this, messages.map((m) => withTraceHeaders(m, p!)), options);
    const context: ProduceTraceContext = { operation: 'sendBatch', messages };
    return produceChannel.tracePromise(() => {
      const traced = p ? messages.map((m) => withTraceHeaders(m, p)) : messages;
      context.messages = traced;
      return sendBatch.call(this, traced, options);
    }, context);
  };
}

/**
 * Runs one handler attempt: in the context extracted from the message (when a propagator
 * is set) and inside the consume channel (when someone subscribes).
 */
export function traceConsume<T>(info: Omit<ConsumeTraceContext, 'traceContext' | 'result' | 'error'>, fn: () => Promise<T>): Promise<T> {
  const p = propagator;
  const active = channelActive(consumeChannel);
  if (!p && !active) return fn();
  const first = info.messages[0];
  const traceContext = p && first ? p.extract(headerCarrier(first.headers)) : undefined;
  const run = (): Promise<T> => (p && traceContext !== undefined ? p.with(traceContext, fn) : fn());
  if (!active) return run();
  return consumeChannel.tracePromise(run, { ...info, traceContext });
}
