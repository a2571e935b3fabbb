// A consume → process → produce worker on the embedded cluster: orders become invoices,
// the malformed order goes to a dead-letter topic, /healthz and /metrics are served.
//   npm run build:ts && node examples/worker.mjs
import { closeAll, configureConnections, connect, DEAD_LETTER_HEADERS, runWorker } from 'octokafka';

// No cluster configured: ask for the embedded one explicitly (it keeps nothing).
configureConnections({ embedded: true });

const orders = [
  { id: 1, qty: 2, price: 5 },
  { id: 2, qty: 1, price: 30 },
  'not json',
  { id: 3, qty: 4, price: 2.5 },
];
const producer = await connect().producer();
await producer.sendBatch(orders.map((o, i) => ({ topic: 'orders', key: `customer-${i % 2}`, value: typeof o === 'string' ? o : JSON.stringify(o) })));

const worker = await runWorker({
  topic: 'orders',
  group: 'billing',
  output: 'invoices',
  deadLetterTopic: 'orders.dlq',
  concurrency: 2, // partitions in parallel, each in order
  retry: { maxAttempts: 3, initialDelayMs: 100 },
  http: { port: 0, host: '127.0.0.1' }, // a fixed port in production (or OCTOKAFKA_HTTP_PORT)
  handler: async (message, ctx) => {
    const order = JSON.parse(message.value.toString()); // throws for the malformed one
    await ctx.produce({ key: message.key, value: JSON.stringify({ order: order.id, total: order.qty * order.price }) });
  },
});

// Wait until all four orders were handled (three invoices, one dead letter).
const done = () => (worker.metrics.value('worker_messages_processed_total', { group: 'billing' }) ?? 0) + (worker.metrics.value('worker_dead_lettered_total', { group: 'billing' }) ?? 0);
while (done() < 4) await new Promise((r) => setTimeout(r, 100));

const base = `http://127.0.0.1:${worker.httpPort}`;
console.log('GET /healthz →', JSON.stringify(await (await fetch(`${base}/healthz`)).json()));
const metrics = await (await fetch(`${base}/metrics`)).text();
console.log(metrics.split('\n').filter((l) => l.startsWith('octokafka_worker_') && !l.startsWith('octokafka_worker_in_flight')).join('\n'));

// Read the dead letter back: the original value plus where it came from and why.
const reader = await connect().createConsumer('example-reader');
const [dlq] = await (await connect().admin()).describeTopics(['orders.dlq']);
await reader.assign(dlq.partitions.map((p) => ({ topic: 'orders.dlq', partition: p.partition, offset: 0n })));
const [dead] = await reader.consumeBatch(1, { timeoutMs: 10_000 });
const h = (name) => dead.headers.find(([n]) => n === name)?.[1]?.toString();
console.log(`dead letter: ${dead.value} from ${h(DEAD_LETTER_HEADERS.topic)} [${h(DEAD_LETTER_HEADERS.partition)}] @ ${h(DEAD_LETTER_HEADERS.offset)} after ${h(DEAD_LETTER_HEADERS.attempts)} attempts: ${h(DEAD_LETTER_HEADERS.error)}`);

await worker.stop(); // finishes running handlers, commits, closes its clients
await closeAll();
