/**
 * Runs batches on several worker threads, each with its own compiled copy of the graph.
 * A runner is created once and reused for many batches (the compressor evaluates many
 * candidates on the same data).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';
import { type CompiledGraph, compileGraph, runBatch } from './interpreter.js';

/** Below this many samples per thread, the copy to a worker costs more than it saves. */
const MIN_SAMPLES_PER_THREAD = 4;

export function defaultThreads(): number {
  return Math.min(2, availableParallelism());
}

// Under vitest or tsx the sources are TypeScript: the worker then registers tsx's loader
// itself before importing worker.ts (Node 20 workers do not accept --import).
const runningFromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(runningFromSource ? './worker.ts' : './worker.js', import.meta.url);

function startWorker(graph: Graph): Worker {
  if (!runningFromSource) return new Worker(workerUrl, { workerData: { graph } });
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: { graph } });
}

interface Reply {
  output?: Float32Array;
  error?: string;
}

export class BatchRunner {
  private readonly workers: Worker[];
  private readonly local: CompiledGraph;

  /** With `inWorkers`, even one thread runs in a worker (the bench compares like with like). */
  constructor(graph: Graph, threads = defaultThreads(), private readonly inWorkers = false) {
    this.local = compileGraph(graph);
    this.workers = Array.from({ length: threads > 1 || inWorkers ? threads : 0 }, () => startWorker(graph));
  }

  get inputSize(): number {
    return this.local.inputSizes[0];
  }

  get outputSize(): number {
    return this.local.outputSizes[0];
  }

  /** Outputs of `count` samples stored back to back, in the same order. */
  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const shards = Math.min(this.workers.length, Math.max(this.inWorkers ? 1 : 0, Math.floor(count / MIN_SAMPLES_PER_THREAD)));
    if (shards < (this.inWorkers ? 1 : 2)) return runBatch(this.local, input, count);
    const output = new Float32Array(count * this.outputSize);
    const jobs = [];
    for (let s = 0; s < shards; s++) {
      const first = Math.floor((count * s) / shards);
      const last = Math.floor((count * (s + 1)) / shards);
      const shard = input.slice(first * this.inputSize, last * this.inputSize);
      jobs.push(
        this.ask(this.workers[s], shard, last - first).then((y) => output.set(y, first * this.outputSize)),
      );
    }
    await Promise.all(jobs);
    return output;
  }

  private ask(worker: Worker, input: Float32Array, count: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      worker.once('error', onError);
      worker.once('message', (reply: Reply) => {
        worker.off('error', onError);
        if (reply.output) resolve(reply.output);
        else reject(new Error(reply.error));
      });
      worker.postMessage({ input, count }, [input.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
