/**
 * Where the clients' logs and errors go on the command line. librdkafka reports a broker it
 * cannot reach many times over; printed as they come, those lines would bury the one line
 * that says what failed. So by default they are kept (the last one is quoted when a command
 * fails or times out) and `--verbose` prints them all. Configuration warnings are always
 * printed: they are about what the user typed.
 */
import type { Logger } from '../core/client-base';

/** Collects client diagnostics for one command. */
export class Diagnostics {
  private last: string | undefined;

  constructor(
    private readonly verbose: boolean,
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  /** The most recent client error or warning, if any. */
  get lastError(): string | undefined {
    return this.last;
  }

  /** A pino-style logger for the raw clients the CLI makes. */
  logger(): Logger {
    const line = (level: string, obj: object, msg?: string): void => {
      const fields = obj as { client?: string; property?: string; facility?: string };
      const text = msg ?? JSON.stringify(obj);
      if (fields.property !== undefined) {
        // A configuration warning (deprecated or doubtful property).
        this.print(`warning: ${fields.client ?? 'client'} configuration ${JSON.stringify(fields.property)}: ${text}`);
        return;
      }
      if (level === 'error' || level === 'warn') this.last = text;
      if (this.verbose) this.print(`${level}: ${fields.client ?? 'client'}${fields.facility ? ` ${fields.facility}` : ''}: ${text}`);
    };
    return {
      error: (obj, msg) => line('error', obj, msg),
      warn: (obj, msg) => line('warn', obj, msg),
      info: (obj, msg) => line('info', obj, msg),
      debug: (obj, msg) => line('debug', obj, msg),
    };
  }

  /**
   * Takes over the process's warnings: clients made by the topic layer (which take no
   * logger) report their errors as process warnings (`OCTOKAFKA_*` codes).
   */
  captureProcessWarnings(): void {
    process.removeAllListeners('warning');
    process.on('warning', (w: Error & { code?: string }) => {
      const code = w.code ?? '';
      if (code === 'OCTOKAFKA_CONFIG') this.print(`warning: ${w.message}`);
      else if (code.startsWith('OCTOKAFKA_')) {
        this.last = w.message;
        if (this.verbose) this.print(`error: ${w.message}`);
      } else this.print(`warning: ${w.name === 'Warning' ? '' : `${w.name}: `}${w.message}`);
    });
  }

  /** Prints one diagnostic line on stderr. */
  print(text: string): void {
    this.stderr.write(`octokafka: ${text}\n`);
  }
}
