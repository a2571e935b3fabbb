// Named connections: one configuration, several clusters, one shared client per role.
//   npm run build:ts && node examples/connections.mjs
import { closeAll, configureConnections, connect } from 'octokafka';

// Usually a file: OCTOKAFKA_CONFIG=connections.json (same format). "local" has no
// bootstrap.servers and says "embedded": true, so it runs on an in-process cluster that keeps
// nothing (without that, a connection naming no cluster is an error); "prod" shows the shape
// of a real one.
configureConnections({
  source: {
    defaults: { 'client.id': 'example' },
    default: 'local',
    connections: {
      local: { embedded: true, consumer: { 'group.id': 'readers' } },
      prod: { 'bootstrap.servers': 'b-1.example:9098', aws_msk_iam: { region: 'eu-west-1' } },
    },
  },
});

// Every caller gets the same producer; nothing connects until the first call.
const producer = await connect('local').producer();
console.log('same producer everywhere:', producer === (await connect().producer()));
await producer.send({ topic: 'greetings', partition: 0, value: 'hello from a named connection' });

const consumer = await connect('local').consumer(); // the connection's group: "readers"
await consumer.assign([{ topic: 'greetings', partition: 0, offset: 0n }]);
const [message] = await consumer.consumeBatch(1, { timeoutMs: 10_000 });
console.log('consumed:', message.value.toString());

// Closes every client of every connection, then the embedded cluster.
await closeAll();
console.log('closed:', producer.isClosed && consumer.isClosed);
