/**
 * How the command line fails: exit codes and the errors that carry them. Every failure
 * ends as one line on stderr and a documented exit code, never a stack trace.
 */
import { CommanderError } from 'commander';

import { ConfigError, KafkaError } from '../util/errors';

/** The exit codes of `octokafka`. */
export const ExitCode = {
  OK: 0,
  /** Bad command line (unknown option, missing or malformed argument): commander's code. */
  USAGE: 1,
  /** The command could not do its work: configuration, cluster, data. */
  FAILURE: 2,
  /** Interrupted by SIGINT (128 + 2, as shells report it), after a clean close. */
  INTERRUPTED: 130,
} as const;

/** A command failed at run time; `message` is the one line the user sees. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code and the line to print for anything a command threw. */
export function describeFailure(e: unknown): { exitCode: number; message: string | undefined } {
  if (e instanceof CommanderError) {
    // commander printed its own message (or the help) already.
    return { exitCode: e.exitCode, message: undefined };
  }
  if (e instanceof CliError) return { exitCode: e.exitCode, message: e.message };
  if (e instanceof ConfigError) return { exitCode: ExitCode.FAILURE, message: e.message };
  if (e instanceof KafkaError) return { exitCode: ExitCode.FAILURE, message: `${e.message} [${e.codeName}]` };
  if (e instanceof Error) return { exitCode: ExitCode.FAILURE, message: e.message };
  return { exitCode: ExitCode.FAILURE, message: String(e) };
}
