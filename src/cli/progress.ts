/** A one-line progress bar on stderr for long runs; silent when stderr is not a terminal. */
export function progressBar(label: string): { update: (done: number, total: number, what: string) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    update(done, total, what) {
      if (!tty) return;
      const width = 24;
      const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
      const line = `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${what}`;
      const columns = process.stderr.columns ?? 100;
      process.stderr.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
      shown = true;
    },
    end() {
      if (tty && shown) process.stderr.write(`\r${' '.repeat((process.stderr.columns ?? 100) - 1)}\r`);
      shown = false;
    },
  };
}
