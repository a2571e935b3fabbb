/**
 * `octokafka/testing`: the embedded mock cluster (librdkafka's mock brokers in this process).
 * The package root exports the same names; `octokafka/mock-cluster` is the mock as a process.
 */
export { MockCluster, ApiKey, type MockClusterOptions } from './mock-cluster';
