/**
 * KafkaJS's documentation programs (getting started, producing, consuming with eachMessage and
 * eachBatch, admin, ACLs, transactions), unchanged except for the import line and the brokers /
 * topic names they are given (the mock's, or a real cluster's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CompressionTypes, Kafka, Partitioners } from '../../lib/kafkajs';
import { kafkajsCluster, recorder, unique, until } from '../kafkajs-helpers';
import { realCluster, type TestCluster } from '../helpers';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await kafkajsCluster();
});
afterAll(async () => {
  await cluster.close();
});

describe('KafkaJS documentation programs', () => {
  it('getting started: produce, then consume with eachMessage', async () => {
    const { console, lines } = recorder();
    const brokers = [cluster.bootstrapServers];
    const topic = await cluster.topic('kjs-start', 1);
    const groupId = unique('test-group');

    // --- KafkaJS README "Usage", with brokers, topic and group given above ---
    const kafka = new Kafka({
      clientId: 'my-app',
      brokers,
    });

    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId });

    const run = async () => {
      // Producing
      await producer.connect();
      await producer.send({
        topic,
        messages: [{ value: 'Hello KafkaJS user!' }],
      });

      // Consuming
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });

      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          console.log({
            partition,
            offset: message.offset,
            value: message.value!.toString(),
          });
        },
      });
    };

    run().catch(console.error);
    // --- end of the program ---

    await until('the message', () => lines.length > 0);
    expect(lines).toEqual([[{ partition: 0, offset: '0', value: 'Hello KafkaJS user!' }]]);
    await consumer.disconnect();
    await producer.disconnect();
  });

  it('producing: keys, headers, compression, sendBatch, a custom partitioner', async () => {
    const brokers = [cluster.bootstrapServers];
    const topicA = await cluster.topic('kjs-topic-a', 3);
    const topicB = await cluster.topic('kjs-topic-b', 3);
    const topicC = await cluster.topic('kjs-topic-c', 3);
    const kafka = new Kafka({ clientId: 'my-app', brokers });

    // --- docs/Producing.md ---
    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({
      topic: topicA,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: 'key1', value: 'hello world' },
        { key: 'key2', value: 'hey hey!' },
      ],
    });
    const topicMessages = [
      { topic: topicA, messages: [{ key: 'key', value: 'hello topic-a' }] },
      { topic: topicB, messages: [{ key: 'key', value: 'hello topic-b' }] },
      {
        topic: topicC,
        messages: [{ key: 'key', value: 'hello topic-c', headers: { 'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67' } }],
      },
    ];
    const batch = await producer.sendBatch({ topicMessages });
    await producer.disconnect();

    const MyPartitioner = () => {
      return ({ topic, partitionMetadata, message }: { topic: string; partitionMetadata: unknown[]; message: unknown }) => {
        // select a partition based on some logic
        // return the partition number
        void topic;
        void partitionMetadata;
        void message;
        return 2;
      };
    };
    const custom = kafka.producer({ createPartitioner: MyPartitioner });
    await custom.connect();
    const toTwo = await custom.send({ topic: topicB, messages: [{ key: 'anything', value: 'x' }] });
    await custom.disconnect();
    const legacy = kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner });
    await legacy.connect();
    await legacy.send({ topic: topicB, messages: [{ key: 'k', value: 'y' }] });
    await legacy.disconnect();
    // --- end ---

    for (const m of [...sent, ...batch, ...toTwo]) {
      expect(m).toMatchObject({ errorCode: 0, baseOffset: expect.stringMatching(/^\d+$/) });
    }
    expect(batch.map((m) => m.topicName).sort()).toEqual([topicA, topicB, topicC].sort());
    expect(toTwo).toEqual([expect.objectContaining({ topicName: topicB, partition: 2 })]);
    // Java-compatible: "key1" and "key2" land where the Java client puts them on 3 partitions.
    const { javaPartition } = await import('../../lib/util/murmur2');
    expect(sent.map((m) => m.partition).sort()).toEqual(
      [...new Set(['key1', 'key2'].map((k) => javaPartition(Buffer.from(k), 3)))].sort(),
    );

    // The header and the key arrive as KafkaJS gives them.
    const consumer = kafka.consumer({ groupId: unique('hdr') });
    await consumer.connect();
    await consumer.subscribe({ topic: topicC, fromBeginning: true });
    const got: Array<{ key: string; headers: unknown }> = [];
    await consumer.run({ eachMessage: async ({ message }) => void got.push({ key: message.key!.toString(), headers: message.headers }) });
    await until('the topic-c message', () => got.length === 1);
    expect(got[0]).toEqual({ key: 'key', headers: { 'correlation-id': Buffer.from('2bfb68bb-893a-423b-a7fa-7b568cad5b67') } });
    await consumer.disconnect();
  });

  it('consuming with eachBatch', async () => {
    const { console, lines } = recorder();
    const brokers = [cluster.bootstrapServers];
    const topic = await cluster.topic('kjs-batch', 1);
    const kafka = new Kafka({ clientId: 'my-app', brokers });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: unique('batch-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // --- docs/Consuming.md, eachBatch ---
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale, pause }) => {
        void commitOffsetsIfNecessary;
        void uncommittedOffsets;
        void pause;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          console.log({
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            message: {
              offset: message.offset,
              key: message.key!.toString(),
              value: message.value!.toString(),
              headers: message.headers,
            },
          });

          resolveOffset(message.offset);
          await heartbeat();
        }
      },
    });
    // --- end ---
    await until('five messages', () => lines.length === 5);
    expect(lines.map(([l]) => (l as { message: { offset: string } }).message.offset)).toEqual(['0', '1', '2', '3', '4']);
    expect(lines[4]![0]).toMatchObject({ topic, partition: 0, highWatermark: '5', message: { key: 'k4', value: 'v4', headers: {} } });
    await consumer.disconnect();
  });

  it('admin: topics, metadata, offsets, group offsets, cluster, configs, groups, records', async () => {
    const brokers = [cluster.bootstrapServers];
    const kafka = new Kafka({ clientId: 'my-app', brokers });
    const topic = unique('kjs-admin');
    const groupId = unique('admin-group');
    // --- docs/Admin.md ---
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] })).toBe(false);
    expect(await admin.listTopics()).toContain(topic);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics).toEqual([{ name: topic, partitions: expect.any(Array) }]);
    expect(metadata.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1]);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }, { value: 'c', partition: 1 }] });
    await producer.disconnect();

    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      { partition: 0, offset: '2', high: '2', low: '0' },
      { partition: 1, offset: '1', high: '1', low: '0' },
    ]);
    // A timestamp after every message: the high watermarks, as KafkaJS answers.
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 3_600_000)).toEqual([
      { partition: 0, offset: '2' },
      { partition: 1, offset: '1' },
    ]);
    if (realCluster) {
      // librdkafka's mock cluster does not look offsets up by timestamp (it answers the end).
      expect(await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 600_000)).toEqual([
        { partition: 0, offset: '0' },
        { partition: 1, offset: '0' },
      ]);
    }

    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      {
        topic,
        partitions: [
          { partition: 0, offset: '1', metadata: null },
          { partition: 1, offset: '-1', metadata: null },
        ],
      },
    ]);
    await admin.resetOffsets({ groupId, topic, earliest: true });
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual(['0', '0']);

    const described = await admin.describeCluster();
    expect(described.brokers.length).toBeGreaterThan(0);
    expect(described.brokers[0]).toEqual({ nodeId: expect.any(Number), host: expect.any(String), port: expect.any(Number) });

    if (realCluster) {
      // librdkafka's mock cluster has no DescribeConfigs, ListGroups or DescribeGroups.
      const { ConfigResourceTypes } = await import('../../lib/kafkajs');
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
      expect(configs.resources[0]).toMatchObject({ resourceName: topic, resourceType: ConfigResourceTypes.TOPIC, errorCode: 0 });
      expect(configs.resources[0]!.configEntries.length).toBeGreaterThan(0);
      const groups = await admin.listGroups();
      expect(groups.groups.map((g) => g.groupId)).toContain(groupId);
      const { groups: descriptions } = await admin.describeGroups([groupId]);
      expect(descriptions[0]).toMatchObject({ groupId, members: [] });
    }

    if (realCluster) {
      // librdkafka's mock cluster has no DeleteRecords or DeleteGroups.
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '1' }] });
      expect((await admin.fetchTopicOffsets(topic))[0]).toMatchObject({ partition: 0, low: '1', high: '2' });
      await admin.deleteGroups([groupId]);
      await admin.deleteTopics({ topics: [topic] });
      expect(await admin.listTopics()).not.toContain(topic);
    } else {
      const { KafkaJSServerDoesNotSupportApiKey } = await import('../../lib/kafkajs');
      await expect(admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '1' }] })).rejects.toBeInstanceOf(KafkaJSServerDoesNotSupportApiKey);
    }
    await admin.disconnect();
  });

  it('admin ACLs: createAcls, describeAcls, deleteAcls (docs/Admin.md)', async () => {
    const brokers = [cluster.bootstrapServers];
    const kafka = new Kafka({ clientId: 'my-app', brokers });
    const topicName = unique('kjs-acl-topic');
    const admin = kafka.admin();
    await admin.connect();
    // --- docs/Admin.md "Create ACL" (the resource name given above) ---
    const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = await import('../../lib/kafkajs');

    const acl = [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topicName,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:bob',
        host: '*',
        operation: AclOperationTypes.ALL,
        permissionType: AclPermissionTypes.DENY,
      },
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topicName,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:alice',
        host: '*',
        operation: AclOperationTypes.ALL,
        permissionType: AclPermissionTypes.ALLOW,
      },
    ];

    if (!realCluster) {
      // librdkafka's mock cluster has no ACL requests.
      const { KafkaJSServerDoesNotSupportApiKey } = await import('../../lib/kafkajs');
      await expect(admin.createAcls({ acl })).rejects.toBeInstanceOf(KafkaJSServerDoesNotSupportApiKey);
      await admin.disconnect();
      return;
    }
    await admin.createAcls({ acl });

    // --- "Describe ACL" (the page spells the pattern field resourcePatternTypeFilter, which
    // KafkaJS itself rejects; its code reads resourcePatternType) ---
    const describe = () =>
      admin.describeAcls({
        resourceName: topicName,
        resourceType: AclResourceTypes.TOPIC,
        host: '*',
        permissionType: AclPermissionTypes.ALLOW,
        operation: AclOperationTypes.ANY,
        resourcePatternType: ResourcePatternTypes.LITERAL,
      });
    // The broker's authorizer learns new ACLs a moment after CreateAcls answers.
    await expect.poll(async () => (await describe()).resources, { timeout: 15_000 }).toEqual([
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topicName,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        acls: [
          {
            principal: 'User:alice',
            host: '*',
            operation: AclOperationTypes.ALL,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      },
    ]);

    // --- "Delete ACL" ---
    const filter = {
      resourceName: topicName,
      resourceType: AclResourceTypes.TOPIC,
      host: '*',
      permissionType: AclPermissionTypes.ALLOW,
      operation: AclOperationTypes.ANY,
      resourcePatternType: ResourcePatternTypes.LITERAL,
    };

    expect(await admin.deleteAcls({ filters: [filter] })).toEqual({
      throttleTime: 0,
      filterResponses: [
        {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: [
            {
              errorCode: 0,
              errorMessage: null,
              resourceType: AclResourceTypes.TOPIC,
              resourceName: topicName,
              resourcePatternType: ResourcePatternTypes.LITERAL,
              principal: 'User:alice',
              host: '*',
              operation: AclOperationTypes.ALL,
              permissionType: AclPermissionTypes.ALLOW,
            },
          ],
        },
      ],
    });
    // --- end of the programs ---
    await expect.poll(async () => (await describe()).resources, { timeout: 15_000 }).toEqual([]);
    // bob's DENY entry is still there; remove it too.
    const rest = await admin.deleteAcls({ filters: [{ ...filter, permissionType: AclPermissionTypes.ANY }] });
    expect(rest.filterResponses[0]!.matchingAcls.map((m) => [m.principal, m.permissionType])).toEqual([['User:bob', AclPermissionTypes.DENY]]);
    await admin.disconnect();
  });

  it('transactions: send, sendOffsets, commit; a read_committed consumer sees committed messages only', async () => {
    const brokers = [cluster.bootstrapServers];
    const topic = await cluster.topic('kjs-txn', 1);
    const source = await cluster.topic('kjs-txn-src', 1);
    const consumerGroupId = unique('txn-group');
    // --- docs/Transactions.md ---
    const client = new Kafka({
      clientId: 'transactional-client',
      brokers,
    });
    const producer = client.producer({ transactionalId: unique('my-transactional-producer'), maxInFlightRequests: 1, idempotent: true });

    const transaction = await producer.transaction();

    try {
      await transaction.send({ topic, messages: [{ value: 'committed' }] });
      await transaction.sendOffsets({
        consumerGroupId,
        topics: [{ topic: source, partitions: [{ partition: 0, offset: '42' }] }],
      });

      await transaction.commit();
    } catch (e) {
      await transaction.abort();
      throw e;
    }
    // --- end ---
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    const last = await producer.transaction();
    await last.send({ topic, messages: [{ value: 'committed too' }] });
    await last.commit();
    await producer.disconnect();

    // librdkafka's mock cluster neither stores transactional offset commits nor filters
    // aborted messages for read_committed consumers: those two checks need a real broker.
    if (!realCluster) return;
    const admin = client.admin();
    await admin.connect();
    expect(await admin.fetchOffsets({ groupId: consumerGroupId, topics: [source] })).toEqual([
      { topic: source, partitions: [{ partition: 0, offset: '42', metadata: null }] },
    ]);
    await admin.disconnect();

    const consumer = client.consumer({ groupId: unique('read-committed') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    await until('the committed messages', () => values.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(values).toEqual(['committed', 'committed too']);
    await consumer.disconnect();
  });
});
