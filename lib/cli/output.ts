/**
 * Standard output for commands that print a lot: waits when the pipe is full, and notices
 * when the reader went away (`octokafka consume ... | head`): EPIPE ends the output, not
 * the process, so a consumer still closes cleanly and commits what was printed.
 */

let closed = false;

/** Installs the stdout error handler (once, at start). */
export function watchStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
    else throw e;
  });
}

/** True once the reader of stdout went away. */
export function stdoutClosed(): boolean {
  return closed;
}

/** Writes to stdout, waiting for room when its buffer is full. */
export async function writeOut(chunk: Buffer | string): Promise<void> {
  if (closed || chunk.length === 0) return;
  if (process.stdout.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.once('drain', done).once('error', done);
  });
}
