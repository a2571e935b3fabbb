// The main example: an embedded Kafka cluster, a producer and a consumer, in one process.
//   npm install && npm run demo
import { KafkaConsumer, KafkaProducer, MockCluster, librdkafkaVersion } from 'octokafka';

const cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'greetings', partitions: 3 }] });
console.log(`embedded cluster (librdkafka ${librdkafkaVersion()}): ${cluster.bootstrapServers}`);

const producer = new KafkaProducer({ 'bootstrap.servers': cluster.bootstrapServers });
const sent = Date.now();
const reports = await producer.sendBatch(
  ['alice', 'bob', 'carol'].map((name) => ({
    topic: 'greetings',
    key: name,
    value: `hello, ${name}`,
    headers: [['sent-at', String(sent)]],
  })),
);
for (const r of reports) console.log(`sent      -> ${r.topic} [${r.partition}] @ ${r.offset}`);

const consumer = new KafkaConsumer({
  'bootstrap.servers': cluster.bootstrapServers,
  'group.id': 'demo',
  'auto.offset.reset': 'earliest',
});
await consumer.subscribe(['greetings']);
let received = 0;
for await (const message of consumer) {
  console.log(
    `received <- ${message.topic} [${message.partition}] @ ${message.offset}: ` +
      `${message.key} = ${JSON.stringify(message.value.toString())}`,
  );
  if (++received === reports.length) break;
}
await consumer.commit();
await consumer.close();
await producer.close();
await cluster.close();
console.log(`round-trip complete: ${received}/${reports.length} messages`);
