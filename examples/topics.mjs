// The topic layer (Octopus / Diaspora Stream model) on the embedded cluster.
//   npm run build:ts && node examples/topics.mjs
import { Driver } from 'octokafka';

// An embedded, in-memory cluster, asked for explicitly (it keeps nothing). Against a real
// cluster: Driver.connect({ kafka: { 'bootstrap.servers': 'host:9092' } }).
const driver = await Driver.embedded({ kafka: {} });
await driver.createTopic('sensors', {
  num_partitions: 2,
  validator: { type: 'schema', schema: { type: 'object', required: ['sensor'] } },
  selector: { type: 'default' },
  serializer: { type: 'default' },
});
const topic = await driver.openTopic('sensors');

const producer = topic.producer();
for (let i = 0; i < 4; i++) {
  const id = await producer.push({ sensor: `s${i}`, reading: 20 + i }, Buffer.from(`raw frame ${i}`));
  console.log(`pushed event ${id} (sensor s${i})`);
}
await producer.push({ reading: 1 }).catch((e) => console.log(`rejected: ${e.message}`));
await producer.flush();

const consumer = topic.consumer('dashboard');
for (let n = 0; n < 4; n++) {
  const event = await consumer.pull({ timeoutMs: 10_000 });
  console.log(`pulled  event ${event.id} of partition ${event.partition.partition_id}:`, event.metadata, event.dataBuffer.toString());
  await event.acknowledge();
}
console.log(await driver.listTopics());
await consumer.close();
await producer.close();
await driver.close();
