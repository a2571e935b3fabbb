/**
 * Where the topic layer's notes go: warnings that Octopus prints as `[octopus:warning]` (a topic
 * opened without its info topic) and debug notes (configuration blocks ignored). With a logger,
 * to the logger; without, warnings become process warnings (visible by default, as Octopus's
 * stderr lines are) and debug notes go to `NODE_DEBUG=octokafka` (silent by default).
 */
import { debuglog } from 'node:util';
import type { Logger } from '../core/client-base';

const debug = debuglog('octokafka');

/** The warning code of the topic layer's process warnings. */
export const TOPIC_WARNING_CODE = 'OCTOKAFKA_TOPIC';

/** Sends notes to a logger, or to the process's warnings and debug log. */
export class TopicNotes {
  constructor(private readonly logger: Logger | undefined) {}

  warn(fields: Record<string, unknown>, message: string): void {
    if (this.logger) this.logger.warn(fields, message);
    else process.emitWarning(message, { code: TOPIC_WARNING_CODE });
  }

  debug(fields: Record<string, unknown>, message: string): void {
    if (this.logger) this.logger.debug(fields, message);
    else debug('%s %j', message, fields);
  }
}
