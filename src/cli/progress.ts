/**
 * Progress of long commands on stderr. On a terminal: a bar (cli-progress) with the elapsed
 * time, an estimate of the time left and what is being done. Elsewhere (CI logs, pipes): one
 * quiet line every `intervalSeconds` (environment ECGC_PROGRESS_SECONDS, default 30). Reporting never throws: a reporter that fails turns
 * itself off, so it can never cost the command its result.
 */
import { performance } from 'node:perf_hooks';
import { MultiBar, type SingleBar } from 'cli-progress';
import { onInterrupt } from '../util/interrupt.js';

export interface Progress {
  /** `done` of `total` steps of the current phase; a new total (or a step back) starts a new phase. */
  update: (done: number, total: number, what: string) => void;
  /** A line of its own, above the bar. */
  log: (line: string) => void;
  /** Removes the bar; call it when the command ends, whatever happened. */
  end: () => void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Without a terminal: seconds between two lines (default: ECGC_PROGRESS_SECONDS, or 30). */
  intervalSeconds?: number;
  /** Milliseconds, for tests. */
  now?: () => number;
}

const BAR_WIDTH = 24;

export function progressReporter(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const start = now();
  const reporter = stream.isTTY === true ? terminalReporter(label, stream, start, now) : lineReporter(label, stream, start, now, options.intervalSeconds ?? lineInterval());
  let broken = false;
  const guarded = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
    if (broken) return;
    try {
      fn(...args);
    } catch {
      broken = true;
    }
  };
  const guardedLog = guarded(reporter.log);
  const end = guarded(reporter.end);
  const unregister = onInterrupt(end);
  return {
    update: guarded(reporter.update),
    log: (line) => (broken ? stream.write(line + '\n') : guardedLog(line)),
    end: () => {
      unregister();
      end();
      broken = true;
    },
  };
}

function terminalReporter(label: string, stream: NodeJS.WriteStream, start: number, now: () => number): Progress {
  const bars = new MultiBar({
    stream,
    hideCursor: false,
    clearOnComplete: true,
    gracefulExit: false,
    format: (_options, params, payload: { what: string }) => {
      const filled = Math.max(0, Math.min(BAR_WIDTH, Math.round(params.progress * BAR_WIDTH)));
      const eta = Number(params.eta);
      const left = Number.isFinite(eta) && params.value > 0 ? `, ${duration(eta)} left` : '';
      return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(params.progress * 100)}% | ${duration((now() - start) / 1000)} elapsed${left} | ${payload.what}`;
    },
  });
  let bar: SingleBar | undefined;
  let phase = { total: -1, done: -1 };
  return {
    update(done, total, what) {
      if (bar === undefined) bar = bars.create(total, done, { what });
      else if (total !== phase.total || done < phase.done) bar.start(total, done, { what }); // a new phase: its own estimate
      else bar.update(done, { what });
      phase = { total, done };
    },
    log(line) {
      if (bar === undefined) return void stream.write(line + '\n');
      bars.log(line + '\n');
      bars.update(); // now: cli-progress otherwise keeps the line until its next redraw, and drops it on stop
    },
    end: () => bars.stop(),
  };
}

function lineReporter(label: string, stream: NodeJS.WriteStream, start: number, now: () => number, intervalSeconds: number): Progress {
  let lastLine = start;
  let lastUpdate = start;
  let phase = { total: -1, done: -1, started: start };
  return {
    update(done, total, what) {
      const t = now();
      // a new phase began when the last one reported its last step
      if (total !== phase.total || done < phase.done) phase = { total, done, started: lastUpdate };
      phase.done = done;
      lastUpdate = t;
      if (t - lastLine < intervalSeconds * 1000) return;
      lastLine = t;
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const perStep = done > 0 ? (t - phase.started) / 1000 / done : NaN;
      const left = Number.isFinite(perStep) ? `, about ${duration(perStep * Math.max(0, total - done))} left` : '';
      stream.write(`${label}: ${Math.floor(fraction * 100)}% (${done}/${total}, ${what}), ${duration((t - start) / 1000)} elapsed${left}\n`);
    },
    log: (line) => stream.write(line + '\n'),
    end: () => {},
  };
}

function lineInterval(): number {
  const seconds = Number(process.env.ECGC_PROGRESS_SECONDS || NaN);
  return seconds >= 0 ? seconds : 30;
}

/** 7s, 3m05s, 1h02m */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
