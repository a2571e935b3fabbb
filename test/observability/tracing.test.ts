/**
 * Tracing: the produce and consume diagnostics channels, W3C trace context carried in
 * headers from a producer through a worker handler to its outputs, the OpenTelemetry
 * propagator, and nothing at all when no one listens.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  consumeChannel,
  formatTraceparent,
  KafkaMetrics,
  KafkaProducer,
  openTelemetryPropagator,
  parseTraceparent,
  produceChannel,
  runWorker,
  setTracePropagator,
  w3cPropagator,
  type ConsumeTraceContext,
  type Message,
  type OutgoingMessage,
  type ProduceTraceContext,
  type TraceParent,
} from '../../lib/index';
import { unique, useCluster } from '../helpers';
import { header, readTopic, testConnections, waitUntil, workerConsumerConfig } from '../worker-helpers';

const cluster = useCluster();
let producer: KafkaProducer;
beforeAll(async () => {
  producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
});
afterAll(async () => {
  await producer.close();
});
afterEach(() => setTracePropagator(null));

const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 };

describe('W3C traceparent', () => {
  it('parses and formats valid values and refuses invalid ones', () => {
    const value = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(value)).toEqual(TRACE);
    expect(parseTraceparent(value, 'vendor=x')).toEqual({ ...TRACE, tracestate: 'vendor=x' });
    expect(formatTraceparent(TRACE)).toBe(value);
    expect(formatTraceparent({ ...TRACE, flags: 0 })).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00');
    // A later version may carry more fields.
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.traceId).toBe(TRACE.traceId);
    for (const bad of [
      '',
      'garbage',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    ]) {
      expect(parseTraceparent(bad), bad).toBeUndefined();
    }
  });
});

describe('produce channel and header injection', () => {
  it('without subscribers or propagator, sends messages untouched', async () => {
    const topic = await cluster.topic('t-plain');
    const message: OutgoingMessage = { topic, value: 'plain', headers: [['h', 'v']] };
    await producer.send(message);
    await producer.sendBatch([{ topic, value: 'plain 2' }]);
    const got = await readTopic(cluster, topic, { expected: 2 });
    expect(got.map((m) => m.headers.map(([n]) => n))).toEqual([['h'], []]);
    expect(message.headers).toEqual([['h', 'v']]);
  });

  it('publishes start and asyncEnd around send and sendBatch, with the delivery report', async () => {
    const topic = await cluster.topic('t-channel');
    const events: Array<{ phase: string; operation: string; count: number; result?: unknown }> = [];
    const handlers = {
      start: (c: ProduceTraceContext) => events.push({ phase: 'start', operation: c.operation, count: c.messages.length }),
      end: () => undefined,
      asyncStart: () => undefined,
      asyncEnd: (c: ProduceTraceContext) => events.push({ phase: 'asyncEnd', operation: c.operation, count: c.messages.length, result: c.result }),
      error: (c: ProduceTraceContext) => events.push({ phase: 'error', operation: c.operation, count: c.messages.length }),
    };
    produceChannel.subscribe(handlers);
    try {
      const report = await producer.send({ topic, value: 'one' });
      const reports = await producer.sendBatch([{ topic, value: 'two' }, { topic, value: 'three' }]);
      await producer.send({ topic: '', value: 'bad' }).catch(() => undefined);
      expect(events).toEqual([
        { phase: 'start', operation: 'send', count: 1 },
        { phase: 'asyncEnd', operation: 'send', count: 1, result: report },
        { phase: 'start', operation: 'sendBatch', count: 2 },
        { phase: 'asyncEnd', operation: 'sendBatch', count: 2, result: reports },
        { phase: 'start', operation: 'send', count: 1 },
        { phase: 'error', operation: 'send', count: 1 },
        { phase: 'asyncEnd', operation: 'send', count: 1, result: undefined },
      ]);
    } finally {
      produceChannel.unsubscribe(handlers);
    }
  });

  it('a propagator adds traceparent and tracestate to a copy of each message', async () => {
    const topic = await cluster.topic('t-inject');
    setTracePropagator(w3cPropagator({ active: () => ({ ...TRACE, tracestate: 'k=v' }) }));
    const message: OutgoingMessage = { topic, value: 'x', headers: { traceparent: 'stale', app: 'a' } };
    await producer.send(message);
    await producer.sendBatch([{ topic, value: 'y' }]);
    expect(message.headers).toEqual({ traceparent: 'stale', app: 'a' });
    const got = await readTopic(cluster, topic, { expected: 2 });
    expect(got[0]!.headers.map(([n, v]) => [n, v?.toString()])).toEqual([
      ['app', 'a'],
      ['traceparent', formatTraceparent(TRACE)],
      ['tracestate', 'k=v'],
    ]);
    expect(header(got[1]!, 'traceparent')).toBe(formatTraceparent(TRACE));
  });

  it('refuses a propagator without inject/extract/with', () => {
    expect(() => setTracePropagator({ inject: () => undefined } as never)).toThrow(/inject\(carrier\), extract\(carrier\) and with/);
  });
});

describe('through a worker', () => {
  it('the handler runs in the producer\'s trace context, its outputs carry it on, and consume events name it', async () => {
    const connections = testConnections(cluster);
    const input = await cluster.topic('t-worker-in');
    const output = await cluster.topic('t-worker-out');
    const als = new AsyncLocalStorage<TraceParent>();
    setTracePropagator(w3cPropagator({ active: () => als.getStore(), with: (ctx, fn) => als.run(ctx, fn) }));
    await als.run(TRACE, () => producer.send({ topic: input, value: 'traced' }));
    await producer.send({ topic: input, value: 'untraced' });

    const consumed: Array<{ topic: string; attempt: number; traceContext: unknown; group: string }> = [];
    const onStart = (c: unknown): void => {
      const ctx = c as ConsumeTraceContext;
      consumed.push({ topic: ctx.topic, attempt: ctx.attempt, traceContext: ctx.traceContext, group: ctx.group });
    };
    subscribe('tracing:octokafka:consume:start', onStart);
    const inHandler: Array<TraceParent | undefined> = [];
    const group = unique('tg');
    const worker = await runWorker({
      connections, connection: 'test', topic: input, group, output, env: {}, metrics: new KafkaMetrics(), openTelemetry: false,
      statisticsIntervalMs: 0, consumerConfig: workerConsumerConfig,
      handler: async (m: Message, ctx) => {
        inHandler.push(als.getStore());
        await ctx.produce({ value: `out of ${m.value!.toString()}` });
      },
    });
    try {
      await waitUntil('both handled', () => inHandler.length === 2);
      expect(inHandler).toEqual([TRACE, undefined]);
      expect(consumed).toEqual([
        { topic: input, attempt: 1, traceContext: TRACE, group },
        { topic: input, attempt: 1, traceContext: undefined, group },
      ]);
      const out = await readTopic(cluster, output, { expected: 2 });
      expect(out.map((m) => [m.value!.toString(), header(m, 'traceparent')])).toEqual([
        ['out of traced', formatTraceparent(TRACE)],
        ['out of untraced', undefined],
      ]);
    } finally {
      unsubscribe('tracing:octokafka:consume:start', onStart);
      await worker.stop();
      await connections.closeAll();
    }
  });

  it('consume events bracket each attempt, with the handler\'s error', async () => {
    const connections = testConnections(cluster);
    const input = await cluster.topic('t-attempts');
    const dlq = await cluster.topic('t-attempts-dead');
    await producer.send({ topic: input, value: 'fails twice' });
    const events: string[] = [];
    const handlers = {
      start: (c: ConsumeTraceContext) => events.push(`start ${c.attempt}`),
      end: () => undefined,
      asyncStart: () => undefined,
      asyncEnd: (c: ConsumeTraceContext) => events.push(`end ${c.attempt}`),
      error: (c: ConsumeTraceContext) => events.push(`error ${c.attempt}: ${(c.error as Error).message}`),
    };
    consumeChannel.subscribe(handlers);
    const worker = await runWorker({
      connections, connection: 'test', topic: input, group: unique('tg'), deadLetterTopic: dlq, env: {}, metrics: new KafkaMetrics(),
      openTelemetry: false, statisticsIntervalMs: 0, consumerConfig: workerConsumerConfig, retry: { maxAttempts: 3, initialDelayMs: 10, jitter: 0 },
      handler: (_m: Message, ctx) => {
        if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt}`);
      },
    });
    try {
      await waitUntil('three attempts', () => events.length === 8);
      expect(events).toEqual(['start 1', 'error 1: attempt 1', 'end 1', 'start 2', 'error 2: attempt 2', 'end 2', 'start 3', 'end 3']);
    } finally {
      consumeChannel.unsubscribe(handlers);
      await worker.stop();
      await connections.closeAll();
    }
  });
});

describe('OpenTelemetry propagator', () => {
  /** A context manager on AsyncLocalStorage (what @opentelemetry/context-async-hooks provides). */
  class AlsContextManager implements ContextManager {
    private readonly als = new AsyncLocalStorage<Context>();
    active(): Context {
      return this.als.getStore() ?? ROOT_CONTEXT;
    }
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
      return this.als.run(ctx, () => fn.call(thisArg, ...args));
    }
    bind<T>(_ctx: Context, target: T): T {
      return target;
    }
    enable(): this {
      return this;
    }
    disable(): this {
      return this;
    }
  }

  it('injects the active span context with the global propagator and runs handlers in the extracted one', async () => {
    context.setGlobalContextManager(new AlsContextManager());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    setTracePropagator(openTelemetryPropagator());
    const connections = testConnections(cluster);
    const input = await cluster.topic('t-otel');
    const span = trace.wrapSpanContext({ traceId: TRACE.traceId, spanId: TRACE.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false });
    await context.with(trace.setSpan(context.active(), span), () => producer.send({ topic: input, value: 'otel' }));
    const seen: Array<string | undefined> = [];
    const worker = await runWorker({
      connections, connection: 'test', topic: input, group: unique('tg'), env: {}, metrics: new KafkaMetrics(), openTelemetry: false,
      statisticsIntervalMs: 0, consumerConfig: workerConsumerConfig,
      handler: () => {
        const sc = trace.getSpanContext(context.active());
        seen.push(sc && `${sc.traceId}/${sc.spanId}/${sc.isRemote}`);
      },
    });
    try {
      await waitUntil('handled', () => seen.length === 1);
      expect(seen).toEqual([`${TRACE.traceId}/${TRACE.spanId}/true`]);
      const [m] = await readTopic(cluster, input, { expected: 1 });
      expect(header(m!, 'traceparent')).toBe(formatTraceparent(TRACE));
    } finally {
      await worker.stop();
      await connections.closeAll();
      propagation.disable();
      context.disable();
    }
  });
});
