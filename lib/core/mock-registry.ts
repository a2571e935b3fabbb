/**
 * How the admin client finds a mock cluster without knowing the mock. librdkafka's mock
 * brokers do not serve CreateTopics, so KafkaAdmin.createTopics creates topics on a mock
 * through the mock's own API; but the mock (lib/testing/) is a layer above the clients and
 * must not be imported by them. The mock modules therefore register here, when they are
 * loaded, how to find a mock behind a bootstrap list, and the admin client asks this registry.
 * lib/testing/mock-cluster.ts (which loads mock-control.ts) registers both finders; every package
 * entry point loads it.
 */

/** What a client can ask of a mock cluster, in this process or another one. */
export interface MockTopicCreator {
  /** Number of brokers. */
  readonly brokers: number;
  createTopic(name: string, partitions: number, replicationFactor: number): Promise<void>;
}

/** Finds a mock cluster of this process (this thread) by one of its addresses. */
export type InProcessMockFinder = (bootstrapServers: string) => MockTopicCreator | undefined;
/** Finds a mock cluster running in another process (`octokafka mock`) by one of its addresses. */
export type MockProcessFinder = (bootstrapServers: string, timeoutMs: number) => Promise<MockTopicCreator | undefined>;

let inProcess: InProcessMockFinder | undefined;
let otherProcess: MockProcessFinder | undefined;

/** Called by lib/testing/mock-cluster.ts when it is loaded. */
export function registerInProcessMocks(find: InProcessMockFinder): void {
  inProcess = find;
}

/** Called by lib/testing/mock-control.ts when it is loaded. */
export function registerMockProcesses(find: MockProcessFinder): void {
  otherProcess = find;
}

/** The mock cluster of this process behind `bootstrapServers`, if there is one. */
export function findInProcessMock(bootstrapServers: string): MockTopicCreator | undefined {
  return inProcess?.(bootstrapServers);
}

/** The mock cluster behind `bootstrapServers`: one of this process first, then a mock process. */
export async function findMock(bootstrapServers: string, timeoutMs: number): Promise<MockTopicCreator | undefined> {
  return findInProcessMock(bootstrapServers) ?? (await otherProcess?.(bootstrapServers, timeoutMs));
}
