// Metrics from librdkafka's statistics, and W3C trace context from producer to handler.
//   npm run build:ts && node examples/observability.mjs
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';

import { closeAll, configureConnections, connect, KafkaMetrics, runWorker, setTracePropagator, w3cPropagator } from 'octokafka';

// Every client of the connections is observed, with statistics every 200 ms; no cluster is
// configured, so the connections run on the embedded one, asked for explicitly.
const metrics = new KafkaMetrics();
configureConnections({ metrics, statisticsIntervalMs: 200, embedded: true });

// Tracing: the current span lives in an AsyncLocalStorage here (with OpenTelemetry, use
// setTracePropagator(openTelemetryPropagator()) instead).
const current = new AsyncLocalStorage();
setTracePropagator(w3cPropagator({ active: () => current.getStore(), with: (ctx, fn) => current.run(ctx, fn) }));
subscribe('tracing:octokafka:produce:start', (ctx) => console.log(`produce span: ${ctx.operation} of ${ctx.messages.length} message(s)`));

const producer = await connect().producer();
const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 };
await current.run(span, () => producer.sendBatch([1, 2, 3].map((n) => ({ topic: 'events', partition: 0, value: `event ${n}` }))));

let handled = 0;
const worker = await runWorker({
  topic: 'events',
  group: 'observers',
  metrics,
  statisticsIntervalMs: 200,
  handler: (message) => {
    const trace = current.getStore();
    console.log(`handled "${message.value}" in trace ${trace?.traceId} (parent span ${trace?.spanId})`);
    handled++;
  },
});
while (handled < 3 || metrics.value('consumer_lag', { topic: 'events', partition: '0' }) !== 0) await new Promise((r) => setTimeout(r, 100));

const wanted = ['octokafka_consumer_lag{', 'octokafka_messages_sent_total{', 'octokafka_consumer_rebalances_total{'];
console.log(metrics.toPrometheus().split('\n').filter((l) => wanted.some((w) => l.startsWith(w))).join('\n'));
await worker.stop();
await closeAll();
