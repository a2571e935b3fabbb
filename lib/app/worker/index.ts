/** Workers: consume → process → produce services (see ./worker.ts). */
export { runWorker, WorkerError, HandlerRejectedError, type Worker, type WorkerState } from './worker';
export type { WorkerOptions, HandlerContext, MessageHandler, BatchHandler, WorkerOutput } from './options';
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from './retry';
export { DEAD_LETTER_HEADERS, deadLetterMessage, type DeadLetterInfo } from './dead-letter';
export { WORKER_ENV, workerSettingsFromEnv, type WorkerEnvSettings } from './env';
export type { HealthReport } from './health-server';
