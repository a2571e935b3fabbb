#!/usr/bin/env node
/**
 * The `octokafka` command (the package's bin): see ./cli/index for the commands, or run
 * `octokafka --help`.
 */
import { main } from './cli/index';
import { watchStdout } from './cli/output';

watchStdout();
void main(process.argv);
