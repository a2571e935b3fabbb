/**
 * The progress line of `produce` (cli-progress): messages acknowledged, the rate, and the
 * share of the input file read. Shown when stderr is a terminal, or when asked for.
 */
import { Presets, SingleBar } from 'cli-progress';

/** What the progress line shows, read each time it redraws. */
export interface ProgressState {
  acked: number;
  failed: number;
  bytesRead: number;
}

/** A progress line that redraws itself until stopped. */
export class ProduceProgress {
  private readonly bar: SingleBar | undefined;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param enabled show it at all.
   * @param totalBytes the input's size when known (a file): adds a bar and a percentage.
   */
  constructor(
    enabled: boolean,
    private readonly totalBytes: number | undefined,
    private readonly state: () => ProgressState,
  ) {
    if (!enabled) return;
    const counts = '{acked} messages{failedText} | {rate} msg/s | {duration_formatted}';
    this.bar = new SingleBar(
      {
        format: totalBytes === undefined ? counts : `{bar} {percentage}% | ${counts}`,
        stream: process.stderr,
        // Forced on a non-terminal (--progress): one line per redraw instead of rewriting it.
        noTTYOutput: true,
        notTTYSchedule: 1000,
        hideCursor: true,
        barsize: 30,
      },
      Presets.shades_classic,
    );
    this.bar.start(Math.max(1, totalBytes ?? 1), 0, this.payload());
    // cli-progress redraws on its own schedule; the figures change between redraws.
    this.timer = setInterval(() => this.refresh(), 100);
    this.timer.unref();
  }

  private payload(): Record<string, string> {
    const { acked, failed } = this.state();
    const seconds = (performance.now() - this.started) / 1000;
    return {
      acked: acked.toLocaleString('en-US'),
      failedText: failed > 0 ? `, ${failed.toLocaleString('en-US')} failed` : '',
      rate: seconds > 0 ? Math.round(acked / seconds).toLocaleString('en-US') : '0',
    };
  }

  private refresh(): void {
    const value = this.totalBytes === undefined ? 0 : Math.min(this.totalBytes, this.state().bytesRead);
    this.bar?.update(value, this.payload());
  }

  /** Draws the final figures and ends the line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.refresh();
    this.bar?.stop();
  }
}
