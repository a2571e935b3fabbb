/** Option parsers and the options every cluster command shares. */
import { InvalidArgumentError, type Command } from 'commander';

/** Options of every command that talks to a cluster. */
export interface ConnectionOptions {
  config?: string;
  connection?: string;
  bootstrapServers?: string;
  property?: string[];
  verbose?: boolean;
}

/** Appends a repeated option's value (commander's accumulator). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a positive integer option, or a usage error. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** Parses an integer ≥ 0, or a usage error. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer of 0 or more.');
  return n;
}

/** Parses `key=value` (a header), or a usage error. */
export function keyValue(value: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected name=value.');
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

/** How configuration is found, and the exit codes: the end of every command's help. */
export const CONFIG_HELP = `
Configuration, highest precedence first:
  -X key=value, --bootstrap-servers     librdkafka properties given here
  KAFKA_* environment                   KAFKA_BOOTSTRAP_SERVERS, KAFKA_SASL_USERNAME, ...
  --config FILE (default $OCTOKAFKA_CONFIG)
                                        a connections file; --connection NAME picks one
With no bootstrap.servers anywhere, the command runs on an embedded cluster of its own.`;

export const EXIT_HELP = `
Exit codes: 0 success, 1 usage error, 2 configuration or runtime error (one line on
stderr says what failed), 130 interrupted (Ctrl-C).`;

/** Adds the connection options to a command. */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'connections file (JSON), default $OCTOKAFKA_CONFIG')
    .option('--connection <name>', 'the named connection of the file to use')
    .option('-b, --bootstrap-servers <list>', 'brokers, host:port[,host:port...]')
    .option('-X, --property <key=value>', 'a librdkafka property (repeatable)', collect)
    .option('-v, --verbose', "print the clients' logs and errors on stderr");
}
