/**
 * ACLs: KafkaAdmin's createAcls / describeAcls / deleteAcls and their octokafka/kafkajs mapping.
 *
 * Everywhere: bad arguments are TypeErrors (KafkaJS: KafkaJSNonRetriableError with KafkaJS's
 * messages) naming the field, before anything is sent. On the mock cluster, which has no ACL
 * requests, each call fails at once with a typed UNSUPPORTED_FEATURE error (never a timeout).
 * On a real cluster (the test broker: StandardAuthorizer, the PLAINTEXT listener's ANONYMOUS a
 * super user): ACLs are created, described back with every field, deleted by filter and gone;
 * the broker's own ACLs for alice, written by Kafka's Java AclCommand, read back as written (an
 * encoder independent of ours); a user without ACLs is refused with typed errors.
 */
import { readFileSync } from 'node:fs';

import * as kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { configFromEnv } from '../../lib/config/env-config';
import { AdminError, ErrorCode, KafkaAdmin, type AclBinding, type AclBindingFilter, type AclDescription } from '../../lib/index';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSProtocolError,
  KafkaJSServerDoesNotSupportApiKey,
  ResourcePatternTypes,
  type Admin,
} from '../../lib/kafkajs';
import { realCluster, rejection, unique, useCluster } from '../helpers';

const cluster = useCluster(1);
let admin: KafkaAdmin;
let kjs: Admin;

beforeAll(async () => {
  admin = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
  kjs = new Kafka({ clientId: 'acls', brokers: [cluster.bootstrapServers] }).admin();
  await kjs.connect();
});
afterAll(async () => {
  await kjs.disconnect();
  await admin.close();
});

const ANY: Pick<AclBindingFilter, 'patternType' | 'operation' | 'permission'> = { patternType: 'any', operation: 'any', permission: 'any' };
const binding: AclBinding = { resourceType: 'topic', resourceName: 't', patternType: 'literal', principal: 'User:a', operation: 'read', permission: 'allow' };
const filter: AclBindingFilter = { resourceType: 'topic', ...ANY };

function sorted(acls: AclDescription[]): AclDescription[] {
  return [...acls].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('ACL arguments', () => {
  it('KafkaAdmin refuses bad ACL arguments with TypeErrors naming the field', async () => {
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => admin.createAcls([]), /^createAcls\(bindings\) must not be empty$/],
      [() => admin.createAcls('x' as never), /^createAcls\(bindings\) must be an array$/],
      [() => admin.createAcls([null as never]), /^createAcls\(bindings\): bindings\[0\] must be an object$/],
      [() => admin.createAcls([binding, { ...binding, resourceType: 'broker' as never }]), /^createAcls\(bindings\): bindings\[1\]\.resourceType must be 'topic', 'group', 'cluster' or 'transactionalId', got "broker"$/],
      [() => admin.createAcls([{ ...binding, resourceType: 'any' as never }]), /bindings\[0\]\.resourceType must be 'topic'/],
      [() => admin.createAcls([{ ...binding, resourceName: '' }]), /^createAcls\(bindings\): bindings\[0\]\.resourceName must be a non-empty string, got ""$/],
      [() => admin.createAcls([{ ...binding, resourceName: 'a\0b' }]), /bindings\[0\]\.resourceName must not contain NUL characters/],
      [() => admin.createAcls([{ ...binding, patternType: 'match' as never }]), /bindings\[0\]\.patternType must be 'literal' or 'prefixed', got "match"/],
      [() => admin.createAcls([{ ...binding, principal: 'alice' }]), /bindings\[0\]\.principal must be 'Type:name', e\.g\. 'User:alice', got "alice"/],
      [() => admin.createAcls([{ ...binding, principal: undefined as never }]), /bindings\[0\]\.principal must be a non-empty string, got undefined/],
      [() => admin.createAcls([{ ...binding, host: '' }]), /bindings\[0\]\.host must be a non-empty string/],
      [() => admin.createAcls([{ ...binding, operation: 'any' as never }]), /bindings\[0\]\.operation must be 'all', 'read', .* or 'idempotentWrite', got "any"/],
      [() => admin.createAcls([{ ...binding, operation: 3 as never }]), /bindings\[0\]\.operation must be .* got 3/],
      [() => admin.createAcls([{ ...binding, permission: 'ALLOW' as never }]), /bindings\[0\]\.permission must be 'deny' or 'allow', got "ALLOW"/],
      [() => admin.createAcls([binding], { timeoutMs: 0 }), /options\.timeoutMs must be an integer/],
      [() => admin.describeAcls(undefined as never), /^describeAcls\(filter\): filter must be an object$/],
      [() => admin.describeAcls({ ...filter, resourceType: 'cluster ' as never }), /^describeAcls\(filter\): filter\.resourceType must be 'any', 'topic', 'group', 'cluster' or 'transactionalId', got "cluster "$/],
      [() => admin.describeAcls({ ...filter, patternType: undefined as never }), /filter\.patternType must be 'any', 'match', 'literal' or 'prefixed', got undefined/],
      [() => admin.describeAcls({ ...filter, principal: 7 as never }), /filter\.principal must be a non-empty string, null or left out \(any\), got 7/],
      [() => admin.describeAcls({ ...filter, principal: 'bob' }), /filter\.principal must be 'Type:name'/],
      [() => admin.describeAcls({ ...filter, resourceName: '' }), /filter\.resourceName must be a non-empty string, null or left out/],
      [() => admin.deleteAcls([]), /^deleteAcls\(filters\) must not be empty$/],
      [() => admin.deleteAcls([filter, { ...filter, operation: 'everything' as never }]), /^deleteAcls\(filters\): filters\[1\]\.operation must be 'any', 'all', .* got "everything"$/],
      [() => admin.deleteAcls([{ ...filter, host: 'h\0' }]), /filters\[0\]\.host must not contain NUL characters/],
      [() => admin.deleteAcls([{ ...filter, permission: undefined as never }]), /filters\[0\]\.permission must be 'any', 'deny' or 'allow', got undefined/],
    ];
    for (const [call, message] of cases) {
      const e = await call().then(
        () => new Error('resolved'),
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('KafkaJS: createAcls / describeAcls / deleteAcls check their arguments as KafkaJS, with its messages', async () => {
    const entry = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 't',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:a',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    };
    const aclFilter = { resourceType: AclResourceTypes.TOPIC, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => kjs.createAcls({ acl: undefined as never }), /^Invalid ACL array undefined$/],
      [() => kjs.createAcls({ acl: [] }), /^Empty ACL array$/],
      [() => kjs.createAcls({ acl: [{ ...entry, principal: 1 as never }] }), /^Invalid ACL array, the principals have to be a valid string$/],
      [() => kjs.createAcls({ acl: [{ ...entry, host: undefined as never }] }), /^Invalid ACL array, the hosts have to be a valid string$/],
      [() => kjs.createAcls({ acl: [{ ...entry, resourceName: null as never }] }), /^Invalid ACL array, the resourceNames have to be a valid string$/],
      [() => kjs.createAcls({ acl: [{ ...entry, operation: 42 as never }] }), /^Invalid operation type 42: \{/],
      [() => kjs.createAcls({ acl: [{ ...entry, resourcePatternType: 9 as never }] }), /^Invalid resource pattern type 9: \{/],
      [() => kjs.createAcls({ acl: [{ ...entry, permissionType: -1 as never }] }), /^Invalid permission type -1: \{/],
      [() => kjs.createAcls({ acl: [{ ...entry, resourceType: 7 as never }] }), /^Invalid resource type 7: \{/],
      // An enum's name is not one of its values (TypeScript's enum objects hold both).
      [() => kjs.createAcls({ acl: [{ ...entry, operation: 'READ' as never }] }), /^Invalid operation type READ: \{/],
      [() => kjs.describeAcls({ ...aclFilter, resourceType: 'TOPIC' as never }), /^Invalid resource type TOPIC$/],
      // Valid KafkaJS values that cannot be stored in an ACL.
      [() => kjs.createAcls({ acl: [{ ...entry, operation: AclOperationTypes.ANY }] }), /^Invalid operation type 1: an ACL to create needs a concrete value/],
      [() => kjs.createAcls({ acl: [{ ...entry, resourcePatternType: ResourcePatternTypes.MATCH }] }), /^Invalid resource pattern type 2: an ACL to create needs a concrete value/],
      [() => kjs.createAcls({ acl: [{ ...entry, principal: 'nobody' }] }), /bindings\[0\]\.principal must be 'Type:name'/],
      [() => kjs.describeAcls({ ...aclFilter, principal: 5 as never }), /^Invalid principal, the principal have to be a valid string$/],
      [() => kjs.describeAcls({ ...aclFilter, resourcePatternType: undefined as never }), /^Invalid resource pattern filter type undefined$/],
      [() => kjs.describeAcls({ ...aclFilter, operation: AclOperationTypes.UNKNOWN }), /^Invalid operation type 0: UNKNOWN matches nothing/],
      [() => kjs.deleteAcls({ filters: 'x' as never }), /^Invalid ACL Filter array x$/],
      [() => kjs.deleteAcls({ filters: [] }), /^Empty ACL Filter array$/],
      [() => kjs.deleteAcls({ filters: [{ ...aclFilter, host: 3 as never }] }), /^Invalid ACL Filter array, the hosts have to be a valid string$/],
      [() => kjs.deleteAcls({ filters: [{ ...aclFilter, permissionType: 8 as never }] }), /^Invalid permission type 8: \{/],
    ];
    for (const [call, message] of cases) {
      const e = await call().then(
        () => new Error('resolved'),
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(KafkaJSNonRetriableError);
      expect((e as Error).message).toMatch(message);
    }
    // librdkafka 2.14.2 has no delegation-token resource type: said so, not sent.
    await expect(kjs.createAcls({ acl: [{ ...entry, resourceType: AclResourceTypes.DELEGATION_TOKEN }] })).rejects.toThrow(KafkaJSNotImplemented);
    await expect(kjs.describeAcls({ ...aclFilter, resourceType: AclResourceTypes.DELEGATION_TOKEN })).rejects.toThrow(/DELEGATION_TOKEN ACLs are not supported: librdkafka 2\.14\.2/);
  });

  it('KafkaJS: partition reassignments say that librdkafka has no such request', async () => {
    const alter = await kjs.alterPartitionReassignments({ topics: [] }).catch((e: unknown) => e);
    expect(alter).toBeInstanceOf(KafkaJSNotImplemented);
    expect((alter as Error).message).toMatch(/^alterPartitionReassignments is not supported: librdkafka 2\.14\.2, which octokafka is built on, has no AlterPartitionReassignments request/);
    const list = await kjs.listPartitionReassignments({}).catch((e: unknown) => e);
    expect(list).toBeInstanceOf(KafkaJSNotImplemented);
    expect((list as Error).message).toMatch(/has no ListPartitionReassignments request/);
  });

  it("KafkaJS's ACL enums have KafkaJS's own values (Kafka's protocol codes)", () => {
    for (const [ours, theirs] of [
      [AclResourceTypes, kafkajs.AclResourceTypes],
      [AclOperationTypes, kafkajs.AclOperationTypes],
      [AclPermissionTypes, kafkajs.AclPermissionTypes],
      [ResourcePatternTypes, kafkajs.ResourcePatternTypes],
    ] as const) {
      const numeric = (e: object) => Object.fromEntries(Object.entries(e).filter(([, v]) => typeof v === 'number'));
      expect(numeric(ours)).toEqual(numeric(theirs));
    }
  });
});

describe.skipIf(realCluster)('ACLs on a MockCluster (mock only)', () => {
  it('each ACL call fails at once with UNSUPPORTED_FEATURE, and the client keeps working', async () => {
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['CreateAcls', () => admin.createAcls([binding])],
      ['DescribeAcls', () => admin.describeAcls(filter)],
      ['DeleteAcls', () => admin.deleteAcls([filter])],
    ];
    for (const [api, call] of calls) {
      const { error, ms } = await rejection(call());
      expect(error.code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      expect(error.message).toContain(`the embedded cluster (librdkafka's mock cluster) does not support ${api}`);
      expect(ms).toBeLessThan(2000);
    }
    expect((await admin.describeCluster()).brokers).toHaveLength(1);
  });

  it('a fresh client identifies the mock before its first ACL call, still fast', async () => {
    const fresh = new KafkaAdmin({ 'bootstrap.servers': cluster.bootstrapServers });
    try {
      const { error, ms } = await rejection(fresh.deleteAcls([filter]));
      expect(error.code).toBe(ErrorCode.UNSUPPORTED_FEATURE);
      expect(ms).toBeLessThan(2000);
    } finally {
      await fresh.close();
    }
  });

  it('KafkaJS: the ACL calls reject with KafkaJSServerDoesNotSupportApiKey', async () => {
    const started = Date.now();
    const entry = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 't',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:a',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    };
    const aclFilter = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
    await expect(kjs.createAcls({ acl: [entry] })).rejects.toBeInstanceOf(KafkaJSServerDoesNotSupportApiKey);
    await expect(kjs.describeAcls(aclFilter)).rejects.toThrow(/does not support DescribeAcls/);
    await expect(kjs.deleteAcls({ filters: [aclFilter] })).rejects.toBeInstanceOf(KafkaJSServerDoesNotSupportApiKey);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe.skipIf(!realCluster)('ACLs on a real cluster (real cluster only)', () => {
  it('creates ACLs, describes them back with every field, deletes them by filter', async () => {
    const alice = `User:${unique('acl-alice')}`;
    const bob = `User:${unique('acl-bob')}`;
    const topic = unique('acl-topic');
    const prefix = unique('acl-prefix');
    const group = unique('acl-group');
    const txn = unique('acl-txn');
    const created: AclDescription[] = [
      { resourceType: 'topic', resourceName: topic, patternType: 'literal', principal: alice, host: '*', operation: 'read', permission: 'allow' },
      { resourceType: 'topic', resourceName: prefix, patternType: 'prefixed', principal: alice, host: '10.0.0.1', operation: 'write', permission: 'deny' },
      { resourceType: 'group', resourceName: group, patternType: 'literal', principal: bob, host: '*', operation: 'describe', permission: 'allow' },
      { resourceType: 'transactionalId', resourceName: txn, patternType: 'prefixed', principal: alice, host: '*', operation: 'all', permission: 'allow' },
      { resourceType: 'cluster', resourceName: 'kafka-cluster', patternType: 'literal', principal: bob, host: '*', operation: 'idempotentWrite', permission: 'allow' },
      { resourceType: 'cluster', resourceName: 'kafka-cluster', patternType: 'literal', principal: bob, host: '*', operation: 'clusterAction', permission: 'deny' },
    ];
    // Every other operation, on the topic, for bob.
    const ops = ['create', 'delete', 'alter', 'describeConfigs', 'alterConfigs'] as const;
    for (const operation of ops) created.push({ resourceType: 'topic', resourceName: topic, patternType: 'literal', principal: bob, host: '*', operation, permission: 'allow' });
    // The host is optional: '*' (every host) by default.
    await admin.createAcls(created.map(({ host, ...b }) => (host === '*' ? (b as AclBinding) : { ...b, host } as AclBinding)));
    // Creating an existing binding again succeeds.
    await admin.createAcls([created[0] as AclBinding]);

    const mine = async () => sorted([...(await admin.describeAcls({ resourceType: 'any', principal: alice, ...ANY })), ...(await admin.describeAcls({ resourceType: 'any', principal: bob, ...ANY }))]);
    // The broker's authorizer learns committed ACLs a moment after the answer.
    await expect.poll(mine, { timeout: 15_000 }).toEqual(sorted(created));

    // Filters: exact fields, and 'match' (every binding that applies to a resource name).
    expect(await admin.describeAcls({ resourceType: 'topic', resourceName: topic, patternType: 'literal', principal: alice, host: '*', operation: 'read', permission: 'allow' })).toEqual([created[0]]);
    expect(await admin.describeAcls({ resourceType: 'topic', resourceName: topic, patternType: 'literal', operation: 'any', permission: 'deny' })).toEqual([]);
    expect(await admin.describeAcls({ resourceType: 'topic', resourceName: `${prefix}-orders`, patternType: 'match', principal: alice, operation: 'any', permission: 'any' })).toEqual([created[1]]);
    expect(await admin.describeAcls({ resourceType: 'cluster', principal: bob, ...ANY, permission: 'deny' })).toEqual([created[5]]);

    // Delete by filter: each filter's deletions, in filter order.
    const deletions = await admin.deleteAcls([
      { resourceType: 'topic', principal: alice, ...ANY },
      { resourceType: 'group', resourceName: group, patternType: 'literal', operation: 'any', permission: 'any' },
      { resourceType: 'topic', resourceName: unique('acl-none'), ...ANY },
    ]);
    expect(deletions).toHaveLength(3);
    expect(sorted(deletions[0]!.deleted)).toEqual(sorted([created[0]!, created[1]!]));
    expect(deletions[1]!.deleted).toEqual([created[2]]);
    expect(deletions[2]!.deleted).toEqual([]);
    await expect.poll(mine, { timeout: 15_000 }).toEqual(sorted(created.slice(3)));

    const rest = await admin.deleteAcls([
      { resourceType: 'any', principal: alice, ...ANY },
      { resourceType: 'any', principal: bob, ...ANY },
    ]);
    expect(sorted(rest.flatMap((d) => d.deleted))).toEqual(sorted(created.slice(3)));
    await expect.poll(mine, { timeout: 15_000 }).toEqual([]);
  });

  it("reads back, field by field, the ACLs Kafka's own AclCommand created for alice", async () => {
    // scripts/kafka.sh: --allow-principal User:alice --operation All --topic secured
    // --topic __info_secured --group secured --transactional-id secured --resource-pattern-type prefixed
    const acls = await admin.describeAcls({ resourceType: 'any', principal: 'User:alice', patternType: 'prefixed', host: '*', operation: 'all', permission: 'allow' });
    const expected = (resourceType: AclDescription['resourceType'], resourceName: string): AclDescription => ({
      resourceType,
      resourceName,
      patternType: 'prefixed',
      principal: 'User:alice',
      host: '*',
      operation: 'all',
      permission: 'allow',
    });
    expect(acls).toEqual(
      expect.arrayContaining([expected('topic', 'secured'), expected('topic', '__info_secured'), expected('group', 'secured'), expected('transactionalId', 'secured')]),
    );
    // The same through KafkaJS's enums.
    const { resources } = await kjs.describeAcls({
      resourceType: AclResourceTypes.GROUP,
      resourceName: 'secured',
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: 'User:alice',
      operation: AclOperationTypes.ALL,
      permissionType: AclPermissionTypes.ALLOW,
    });
    expect(resources).toEqual([
      {
        resourceType: AclResourceTypes.GROUP,
        resourceName: 'secured',
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        acls: [{ principal: 'User:alice', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW }],
      },
    ]);
  });

  it('KafkaJS: createAcls, describeAcls grouped by resource, deleteAcls with the matching ACLs', async () => {
    const principal = `User:${unique('kjs-acl')}`;
    const topic = unique('kjs-acl-topic');
    const entry = (operation: AclOperationTypes, permissionType: AclPermissionTypes, resourcePatternType = ResourcePatternTypes.LITERAL) => ({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType,
      principal,
      host: '*',
      operation,
      permissionType,
    });
    const acl = [entry(AclOperationTypes.READ, AclPermissionTypes.ALLOW), entry(AclOperationTypes.WRITE, AclPermissionTypes.DENY), entry(AclOperationTypes.ALL, AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED)];
    expect(await kjs.createAcls({ acl })).toBe(true);

    const filter = { resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
    const byResource = (r: kafkajs.DescribeAclResource) => `${r.resourcePatternType}`;
    await expect
      .poll(async () => {
        const d = await kjs.describeAcls(filter);
        return { ...d, resources: d.resources.map((r) => ({ ...r, acls: [...r.acls].sort((a, b) => a.operation - b.operation) })).sort((a, b) => byResource(a).localeCompare(byResource(b))) };
      }, { timeout: 15_000 })
      .toEqual({
        throttleTime: 0,
        errorCode: 0,
        errorMessage: null,
        resources: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: topic,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            acls: [
              { principal, host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
              { principal, host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY },
            ],
          },
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: topic,
            resourcePatternType: ResourcePatternTypes.PREFIXED,
            acls: [{ principal, host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.ALLOW }],
          },
        ],
      });

    const deleted = await kjs.deleteAcls({
      filters: [
        { ...filter, resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, permissionType: AclPermissionTypes.DENY },
        { ...filter, resourcePatternType: ResourcePatternTypes.PREFIXED },
      ],
    });
    expect(deleted).toEqual({
      throttleTime: 0,
      filterResponses: [
        { errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, ...entry(AclOperationTypes.WRITE, AclPermissionTypes.DENY) }] },
        { errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, ...entry(AclOperationTypes.ALL, AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED) }] },
      ],
    });
    await expect.poll(async () => (await kjs.describeAcls(filter)).resources.flatMap((r) => r.acls.map((a) => a.operation)), { timeout: 15_000 }).toEqual([AclOperationTypes.READ]);
    await kjs.deleteAcls({ filters: [filter] });
    await expect.poll(async () => (await kjs.describeAcls(filter)).resources, { timeout: 15_000 }).toEqual([]);
  });

  const profilesFile = process.env.OCTOKAFKA_TEST_SECURED_PROFILES;
  const profiles = profilesFile ? (JSON.parse(readFileSync(profilesFile, 'utf8')) as Record<string, Record<string, string>>) : {};
  const unauthorized = Object.entries(profiles).find(([name]) => name.endsWith('-unauthorized'))?.[1];
  it.skipIf(!unauthorized)('a user without ACLs (the test broker): creating and deleting are refused with typed errors', async () => {
    const mallory = new KafkaAdmin(configFromEnv(unauthorized as NodeJS.ProcessEnv));
    const kafka = new Kafka({ brokers: [unauthorized!.KAFKA_BOOTSTRAP_SERVERS!], ssl: { ca: [Buffer.from(unauthorized!.KAFKA_CA_CERT!, 'base64').toString()] }, sasl: { mechanism: 'scram-sha-512', username: unauthorized!.KAFKA_SASL_USERNAME!, password: unauthorized!.KAFKA_SASL_PASSWORD! } });
    const kjsMallory = kafka.admin();
    const principal = `User:${unique('acl-denied')}`;
    try {
      const { error } = await rejection(mallory.createAcls([{ ...binding, principal }, { ...binding, principal, operation: 'write' }]));
      expect(error).toBeInstanceOf(AdminError);
      expect(error.codeName).toBe('CLUSTER_AUTHORIZATION_FAILED');
      expect((error as AdminError).failures.map((f) => [f.name, f.error.codeName])).toEqual([
        [`bindings[0] (allow ${principal} read on topic "t" (literal) from *)`, 'CLUSTER_AUTHORIZATION_FAILED'],
        [`bindings[1] (allow ${principal} write on topic "t" (literal) from *)`, 'CLUSTER_AUTHORIZATION_FAILED'],
      ]);
      const { error: deleteError } = await rejection(mallory.deleteAcls([{ resourceType: 'any', principal, ...ANY }]));
      expect(deleteError).toBeInstanceOf(AdminError);
      expect((deleteError as AdminError).failures.map((f) => [f.name, f.error.codeName])).toEqual([['filters[0]', 'CLUSTER_AUTHORIZATION_FAILED']]);
      // DescribeAcls' request-level error (librdkafka 2.14.2 dropped it: deps/patches/describeacls-error-code.patch).
      const { error: describeError } = await rejection(mallory.describeAcls({ resourceType: 'any', principal: 'User:alice', ...ANY }));
      expect(describeError.codeName).toBe('CLUSTER_AUTHORIZATION_FAILED');

      await kjsMallory.connect();
      const kjsError = await kjsMallory
        .createAcls({ acl: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 't', resourcePatternType: ResourcePatternTypes.LITERAL, principal, host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }] })
        .catch((e: unknown) => e);
      expect(kjsError).toBeInstanceOf(KafkaJSProtocolError);
      expect((kjsError as KafkaJSProtocolError).type).toBe('CLUSTER_AUTHORIZATION_FAILED');
      const kjsDescribeError = await kjsMallory
        .describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY })
        .catch((e: unknown) => e);
      expect(kjsDescribeError).toBeInstanceOf(KafkaJSProtocolError);
      expect((kjsDescribeError as KafkaJSProtocolError).type).toBe('CLUSTER_AUTHORIZATION_FAILED');
    } finally {
      await kjsMallory.disconnect();
      await mallory.close();
    }
    // Nothing was created.
    expect(await admin.describeAcls({ resourceType: 'any', principal, ...ANY })).toEqual([]);
  });
});
