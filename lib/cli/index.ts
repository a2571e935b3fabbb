/**
 * The `octokafka` program: commander setup, the commands, and how failures become exit
 * codes (see ./errors). `main` is what the bin entry (../cli.ts) runs.
 */
import { Command } from 'commander';

import { librdkafkaVersion } from '../native/version';
import { benchCommand } from './bench';
import { consumeCommand } from './consume';
import { describeFailure, ExitCode } from './errors';
import { mockCommand } from './mock';
import { CONFIG_HELP, EXIT_HELP } from './options';
import { packageVersion } from './package-info';
import { produceCommand } from './produce';
import { statusCommand } from './status';
import { testSendCommand } from './test-send';
import { topicCommands } from './topic';

const GETTING_STARTED = `
Try it without a cluster (each command then runs on an embedded one of its own):
  octokafka test-send
  octokafka status
Share one cluster between commands:
  octokafka mock --topic events:3          # in another terminal; prints bootstrap.servers=...
  seq 10 | octokafka produce -b 127.0.0.1:PORT events
  octokafka consume -b 127.0.0.1:PORT events --from-beginning --count 10`;

function versionCommand(): Command {
  return new Command('version').description("print octokafka's and librdkafka's versions").action(() => {
    process.stdout.write(`octokafka ${packageVersion()} (librdkafka ${librdkafkaVersion()})\n`);
  });
}

/**
 * Applies the program-wide settings to a command and all its subcommands, and ends the
 * help of each command with how configuration is found (for commands that connect) and
 * the exit codes.
 */
function configure(cmd: Command, root: boolean): void {
  // Errors become exceptions (mapped to exit codes in main) instead of process.exit().
  cmd.exitOverride();
  cmd.showHelpAfterError('(add --help for usage)');
  if (cmd.options.some((o) => o.long === '--bootstrap-servers')) cmd.addHelpText('after', `${CONFIG_HELP}\n${EXIT_HELP}`);
  else if (!root && cmd.commands.length === 0) cmd.addHelpText('after', EXIT_HELP);
  for (const sub of cmd.commands) configure(sub, false);
}

/** Builds the program with every command. */
export function buildProgram(): Command {
  const program = new Command('octokafka')
    .description('Kafka from the command line: produce, consume, topics, status, an embedded cluster')
    .version(packageVersion(), '-V, --version', "print octokafka's version")
    .addCommand(mockCommand())
    .addCommand(topicCommands())
    .addCommand(produceCommand())
    .addCommand(consumeCommand())
    .addCommand(statusCommand())
    .addCommand(testSendCommand())
    .addCommand(benchCommand())
    .addCommand(versionCommand())
    .addHelpText('after', GETTING_STARTED + '\n' + CONFIG_HELP + '\n' + EXIT_HELP);
  configure(program, true);
  return program;
}

/**
 * Runs the command line and sets `process.exitCode`: 0 success, 1 usage error, 2 failure
 * (one line on stderr), 130 interrupted.
 */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const { exitCode, message } = describeFailure(e);
    if (message !== undefined) process.stderr.write(`octokafka: ${message.split('\n')[0]}\n`);
    process.exitCode = exitCode;
  }
  if (process.exitCode === undefined) process.exitCode = ExitCode.OK;
}
