/** Argument checks of {@link KafkaAdmin}'s operations: each TypeError names the argument. */
import type { ConfigResource, ConfigResourceType, NewTopic } from './admin-types';
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
