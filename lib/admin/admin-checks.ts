/** Argument checks of {@link KafkaAdmin}'s operations: each TypeError names the argument. */
import type { AclBinding, AclBindingFilter, ConfigResource, ConfigResourceType, NewTopic } from './admin-types';
import type { RawAclInput } from './admin-native';
import type { TopicPartition } from '../core/message';

const RESOURCE_TYPES: Record<ConfigResourceType, number> = { topic: 2, group: 3, broker: 4 };

export function checkTimeout(t: unknown, what: string): void {
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 3_600_000) {
    throw new TypeError(`${what} must be an integer number of milliseconds from 1 to 3600000, got ${String(t)}`);
  }
}

export function checkArray(value: unknown, what: string, nonEmpty = false): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} must be an array`);
  if (nonEmpty && value.length === 0) throw new TypeError(`${what} must not be empty`);
}

export function checkObject(value: unknown, what: string): asserts value is object {
  if (value === null || typeof value !== 'object') throw new TypeError(`${what} must be an object`);
}

export function checkName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
}

export function checkPositiveInt(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`${what} must be a positive integer, got ${String(value)}`);
  }
}

export function checkNames(names: unknown, what: string, itemWhat: string): string[] {
  checkArray(names, what, true);
  names.forEach((n, i) => checkName(n, `${what}: ${itemWhat} [${i}]`));
  return names as string[];
}

export function checkTopicPartition(p: unknown, at: string): asserts p is TopicPartition {
  checkObject(p, at);
  const tp = p as Partial<TopicPartition>;
  checkName(tp.topic, `${at}.topic`);
  if (typeof tp.partition !== 'number' || !Number.isInteger(tp.partition) || tp.partition < 0) {
    throw new TypeError(`${at}.partition must be a non-negative integer, got ${String(tp.partition)}`);
  }
}

export function checkNewTopics(topics: unknown): NewTopic[] {
  checkArray(topics, 'createTopics(topics)', true);
  topics.forEach((t, i) => {
    const at = `createTopics(topics): topics[${i}]`;
    checkObject(t, at);
    const nt = t as NewTopic;
    checkName(nt.topic, `${at}.topic`);
    if (nt.numPartitions !== undefined && nt.numPartitions !== -1) checkPositiveInt(nt.numPartitions, `${at}.numPartitions`);
    if (nt.replicationFactor !== undefined && nt.replicationFactor !== -1) checkPositiveInt(nt.replicationFactor, `${at}.replicationFactor`);
    if (nt.config !== undefined) {
      checkObject(nt.config, `${at}.config`);
      for (const [k, v] of Object.entries(nt.config)) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) throw new TypeError(`${at}.config[${JSON.stringify(k)}] must be a string, number or boolean`);
      }
    }
    if (nt.replicaAssignment !== undefined) {
      checkArray(nt.replicaAssignment, `${at}.replicaAssignment`, true);
      if (nt.numPartitions !== undefined || nt.replicationFactor !== undefined) {
        throw new TypeError(`${at}: give either replicaAssignment or numPartitions/replicationFactor`);
      }
      nt.replicaAssignment.forEach((ids, p) => {
        checkArray(ids, `${at}.replicaAssignment[${p}]`, true);
        ids.forEach((id) => {
          if (!Number.isInteger(id) || id < 0) throw new TypeError(`${at}.replicaAssignment[${p}] must hold broker ids`);
        });
      });
    }
  });
  return topics as NewTopic[];
}

export function checkResources(resources: unknown, what: string): Array<{ type: number; name: string }> {
  checkArray(resources, what, true);
  return resources.map((r, i) => {
    checkObject(r, `${what}: [${i}]`);
    const res = r as ConfigResource;
    const type = RESOURCE_TYPES[res.type];
    if (type === undefined) throw new TypeError(`${what}: [${i}].type must be 'topic', 'broker' or 'group'`);
    checkName(res.name, `${what}: [${i}].name`);
    return { type, name: res.name };
  });
}

/**
 * librdkafka's ACL enum values by octokafka's names. They are Kafka's protocol codes (as are
 * KafkaJS's enums); librdkafka calls the cluster resource type BROKER.
 */
export const ACL_RESOURCE_TYPES = { any: 1, topic: 2, group: 3, cluster: 4, transactionalId: 5 } as const;
export const ACL_PATTERN_TYPES = { any: 1, match: 2, literal: 3, prefixed: 4 } as const;
export const ACL_OPERATIONS = {
  any: 1,
  all: 2,
  read: 3,
  write: 4,
  create: 5,
  delete: 6,
  alter: 7,
  describe: 8,
  clusterAction: 9,
  describeConfigs: 10,
  alterConfigs: 11,
  idempotentWrite: 12,
} as const;
export const ACL_PERMISSIONS = { any: 1, deny: 2, allow: 3 } as const;

/** Names accepted in filters only (they select; they cannot be stored). */
const FILTER_ONLY = new Set(['any', 'match']);

function aclEnum<T extends Record<string, number>>(table: T, value: unknown, at: string, filter: boolean): number {
  const names = Object.keys(table).filter((k) => filter || !FILTER_ONLY.has(k));
  if (typeof value !== 'string' || !names.includes(value)) {
    const list = names.map((n) => `'${n}'`);
    throw new TypeError(`${at} must be ${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}, got ${describe(value)}`);
  }
  return table[value]!;
}

/** A string field of an ACL: non-empty, without NUL; in a filter also null/undefined (any). */
function aclString(value: unknown, at: string, filter: boolean, principal = false): string | null {
  if (filter && (value === undefined || value === null)) return null;
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${at} must be a non-empty string${filter ? ', null or left out (any)' : ''}, got ${describe(value)}`);
  }
  if (value.includes('\0')) throw new TypeError(`${at} must not contain NUL characters`);
  // Kafka parses a principal as `Type:name`; anything else is refused by the broker (or, in a filter, matches nothing).
  if (principal && !/^[^:]+:/.test(value)) throw new TypeError(`${at} must be 'Type:name', e.g. 'User:alice', got ${JSON.stringify(value)}`);
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkAcl(value: unknown, at: string, filter: boolean): RawAclInput {
  checkObject(value, at);
  const a = value as Partial<AclBindingFilter> & Pick<AclBinding, 'host'>;
  return {
    resourceType: aclEnum(ACL_RESOURCE_TYPES, a.resourceType, `${at}.resourceType`, filter),
    resourceName: aclString(a.resourceName, `${at}.resourceName`, filter),
    patternType: aclEnum(ACL_PATTERN_TYPES, a.patternType, `${at}.patternType`, filter),
    principal: aclString(a.principal, `${at}.principal`, filter, true),
    // A binding's host defaults to every host.
    host: !filter && a.host === undefined ? '*' : aclString(a.host, `${at}.host`, filter),
    operation: aclEnum(ACL_OPERATIONS, a.operation, `${at}.operation`, filter),
    permission: aclEnum(ACL_PERMISSIONS, a.permission, `${at}.permission`, filter),
  };
}

/** ACL bindings to create: each field checked and named (`createAcls(bindings): bindings[1].operation ...`). */
export function checkAclBindings(bindings: unknown): RawAclInput[] {
  checkArray(bindings, 'createAcls(bindings)', true);
  return bindings.map((b, i) => checkAcl(b, `createAcls(bindings): bindings[${i}]`, false));
}

/** One ACL filter; `at` names it in errors. */
export function checkAclFilter(filter: unknown, at: string): RawAclInput {
  return checkAcl(filter, at, true);
}
