/**
 * `octokafka/topic`: the Octopus topic model — a driver that creates and opens topics, their
 * components (validators, partition selectors, serializers), and topic producers and
 * consumers of events. The package root exports the same names.
 */
export { Driver, TopicNotFoundError, type DriverConfig, type DriverOptions, type DriverCloseReport, type CreateTopicOptions, type TopicInfo } from './driver';
export { TopicHandle } from './topic-handle';
export { TopicProducer, type TopicProducerOptions, type PushOptions, type EventData } from './producer';
export {
  TopicConsumer,
  type TopicConsumerOptions,
  type TopicConsumerCloseReport,
  type UncommittedOffset,
  type PullOptions,
  type ProcessOptions,
  type EventHandler,
  type DataSelector,
  type DataAllocator,
} from './consumer';
export { Event, type AcknowledgeOptions } from './event';
export { DataDescriptor } from './descriptor';

// Types that appear in the signatures above, exported so that users can name them.
export type { Component, ComponentDescription, PartitionInfo, PartitionSelector, Serializer, Validator } from './components/types';
export type { Segment } from './descriptor';
