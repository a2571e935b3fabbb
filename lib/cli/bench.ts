/**
 * `octokafka bench`: the benchmark suite (bench/run.mjs), with its arguments passed on.
 * The suite compiles a C program against librdkafka.a, so it only runs from a clone of
 * the repository; the published package does not ship it, and the command says so.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { Command } from 'commander';

import { CliError, ExitCode } from './errors';
import { packageRoot } from './package-info';

/** The `bench` command. */
export function benchCommand(): Command {
  return new Command('bench')
    .description('run the benchmark suite (bench/run.mjs; from a clone of the repository)')
    .argument('[args...]', 'arguments for bench/run.mjs, e.g. --quick --only js-batch')
    .allowUnknownOption()
    .addHelpText(
      'after',
      `
Every argument but --help goes to bench/run.mjs (see its header for the list: --quick, --count N,
--sizes 100,1024, --repeat R, --only REGEX, --out FILE, --no-write, ...). The suite starts
its own mock cluster in a separate process and compiles its C baseline against the
librdkafka.a of the build, so it needs a clone of the repository with the addon built.
The exit code is the suite's.

Example:
  octokafka bench --quick --only js-batch --no-write`,
    )
    .action(async (_args: string[], _options: unknown, cmd: Command) => {
      const script = join(packageRoot(), 'bench', 'run.mjs');
      if (!existsSync(script)) {
        throw new CliError(`the benchmark suite is not in this installation (${script} is missing): run it from a clone of the repository with \`npm run bench\``);
      }
      const child = spawn(process.execPath, [script, ...cmd.args], { stdio: 'inherit' });
      // Ctrl-C reaches the child too (same process group); the child decides how to stop.
      const onSigint = (): void => undefined;
      process.on('SIGINT', onSigint);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (c, s) => resolve([c, s]));
      });
      process.off('SIGINT', onSigint);
      process.exitCode = signal === 'SIGINT' ? ExitCode.INTERRUPTED : (code ?? ExitCode.FAILURE);
    });
}
