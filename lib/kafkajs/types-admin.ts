import type { KafkaJSAdmin } from './admin';

/** KafkaJS's `Admin` type: the admin client's public shape. */
export type Admin = Pick<KafkaJSAdmin, Exclude<keyof KafkaJSAdmin, never>>;
