/**
 * Ctrl-C (SIGINT) and SIGTERM: the CLI exits with 128 + the signal's number after running the
 * cleanups registered here (temporary directories, the progress line). Once the handlers are
 * installed, a signal is only acted on between synchronous steps, so a file or directory
 * written synchronously (files.ts) is never cut in half; worker threads end with the process,
 * and child processes (trainer, gcc, QEMU) are ended and waited for first (child.ts).
 */
type Cleanup = () => void | Promise<void>;
const cleanups = new Set<Cleanup>();

/** Runs `cleanup` if the process is interrupted (the latest registered first); the returned function unregisters it. */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

let interrupted = false;

/** Whether a signal came: a command then stops where it is and leaves the exit to the handler. */
export const isInterrupted = (): boolean => interrupted;

export function exitCleanlyOnInterrupt(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, async () => {
      if (interrupted) return; // a second Ctrl-C while the first one's cleanups run
      interrupted = true;
      for (const cleanup of [...cleanups].reverse()) {
        try {
          await cleanup();
        } catch {
          // the others still run: an interrupt must not leave temporaries behind
        }
      }
      process.stderr.write(`\necgc: interrupted (${signal})\n`);
      process.exit(code);
    });
  }
}

/**
 * Gives a Ctrl-C that came during synchronous work (which no handler can interrupt) its turn
 * before an output is written: two turns of the event loop, since a signal that came before
 * the loop's first turn is only delivered in its second (measured on node 20).
 */
export async function honourPendingInterrupt(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}
