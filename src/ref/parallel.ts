/**
 * Runs batches on several worker threads, each with its own compiled copy of the graph.
 * A runner is created once and reused for many batches (the compressor evaluates many
 * candidates on the same data).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fail } from '../errors.js';
import type { Graph, TensorData } from '../ir/graph.js';
import { type CompiledGraph, type SteppedGraph, compileGraph, compileStepped, runBatch, runInputSize, runInputs, wholeRuns } from './interpreter.js';

/** Below this many windows per thread, the copy to a worker costs more than it saves. */
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

/** Messages of the cached API (CachedShard). */
export type ShardMessage =
  | { type: 'update'; constants: Record<string, TensorData> }
  | { type: 'cache'; input: Float32Array; count: number }
  | { type: 'prepare'; from: number; to: number }
  | { type: 'drop'; cut: number }
  | { type: 'run'; cut: number; first: number; last: number };

/** What a worker is asked: a plain batch, or a message of the cached API. */
export type WorkerRequest = { type: 'batch'; input: Float32Array; count: number } | ShardMessage;

/** Every request carries an id, and every reply names the id it answers. */
export interface RequestEnvelope {
  id: number;
  request: WorkerRequest;
}

export interface Reply {
  id: number;
  output?: Float32Array;
  error?: string;
}

/**
 * One worker's requests in flight, each under its id: the worker's one message listener
 * hands every reply to the request it names (replies may then come in any order). A reply
 * that names no request in flight means the two sides no longer agree on what was asked:
 * every request in flight fails with it, and so does every later one, as after the worker
 * itself failed.
 */
export class RequestTable {
  private nextId = 0;
  private readonly inFlight = new Map<number, { resolve: (output: Float32Array | undefined) => void; reject: (error: Error) => void }>();
  private failure?: Error;

  constructor(private readonly post: (envelope: RequestEnvelope, transfer: ArrayBuffer[]) => void) {}

  send(request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<Float32Array | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      try {
        this.post({ id, request }, transfer);
      } catch (e) {
        // (not sent, e.g. a value that cannot be copied to a thread: no reply will come)
        this.inFlight.delete(id);
        reject(e as Error);
      }
    });
  }

  receive(reply: Reply): void {
    const waiting = this.inFlight.get(reply.id);
    if (!waiting) {
      this.fail(new Error(`internal: a worker thread answered request ${reply.id}, which is not waiting for an answer`));
      return;
    }
    this.inFlight.delete(reply.id);
    if (reply.error !== undefined) waiting.reject(new Error(reply.error));
    else waiting.resolve(reply.output);
  }

  /** The worker failed: every request in flight fails with `error`, and every later one. */
  fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.inFlight.values()) reject(error);
    this.inFlight.clear();
  }
}

/** The worker's side: the reply to one request (an error it throws becomes the reply's). */
export function answer(envelope: RequestEnvelope, handle: (request: WorkerRequest) => Float32Array | undefined): Reply {
  try {
    return { id: envelope.id, output: handle(envelope.request) };
  } catch (e) {
    return { id: envelope.id, error: (e as Error).message };
  }
}

/**
 * One thread's share of a cached batch: its windows' states at the cuts prepared so far
 * (cut 0 holds the inputs), one state per run of the graph's batch of windows, from which
 * it runs the rest of the graph. Runs in a worker, or in the main thread when the runner
 * has no workers.
 */
export class CachedShard {
  private stepped?: SteppedGraph;
  private readonly states = new Map<number, Float32Array>();
  private runs = 0;

  constructor(private readonly graph: Graph) {}

  private get compiled(): SteppedGraph {
    this.stepped ??= compileStepped(this.graph);
    return this.stepped;
  }

  /** Writes the values into the constants in place: every compiled copy of this graph sees them. */
  update(constants: Record<string, TensorData>): void {
    for (const [name, values] of Object.entries(constants)) {
      const tensor = this.graph.constants.get(name);
      if (!tensor || tensor.data.length !== values.length) fail(`internal: constant '${name}' cannot take ${values.length} values`);
      tensor.data.set(values);
    }
  }

  cache(input: Float32Array, count: number): void {
    const g = this.compiled;
    const size = g.stateSize(0);
    const { input: runs, windows } = wholeRuns(input, count, g.batch);
    const inRun = runInputSize(g);
    this.runs = windows / g.batch;
    const state = new Float32Array(this.runs * size);
    for (let r = 0; r < this.runs; r++) {
      g.setInputs(runInputs(g, runs.subarray(r * inRun, (r + 1) * inRun)));
      g.saveState(0, state, r * size);
    }
    this.states.clear();
    this.states.set(0, state);
  }

  prepare(from: number, to: number): void {
    const g = this.compiled;
    const source = this.states.get(from) ?? fail(`internal: no cached state at node ${from}`);
    const [fromSize, toSize] = [g.stateSize(from), g.stateSize(to)];
    const state = new Float32Array(this.runs * toSize);
    for (let n = 0; n < this.runs; n++) {
      g.loadState(from, source, n * fromSize);
      g.runNodes(from, to);
      g.saveState(to, state, n * toSize);
    }
    this.states.set(to, state);
  }

  drop(cut: number): void {
    if (cut !== 0) this.states.delete(cut);
  }

  /** Outputs of windows [first, last) of this shard, run from the state at `cut`. */
  run(cut: number, first: number, last: number): Float32Array {
    const g = this.compiled;
    const state = this.states.get(cut) ?? fail(`internal: no cached state at node ${cut}`);
    const size = g.stateSize(cut);
    const outSize = g.outputSizes[0] / g.batch;
    const output = new Float32Array((last - first) * outSize);
    for (let r = Math.floor(first / g.batch); r * g.batch < last; r++) {
      g.loadState(cut, state, r * size);
      g.runNodes(cut, g.nodeCount);
      const [a, b] = [Math.max(first, r * g.batch), Math.min(last, (r + 1) * g.batch)];
      output.set(g.outputs[0].subarray((a - r * g.batch) * outSize, (b - r * g.batch) * outSize), (a - first) * outSize);
    }
    return output;
  }

  handle(message: ShardMessage): Float32Array | undefined {
    switch (message.type) {
      case 'update':
        this.update(message.constants);
        return undefined;
      case 'cache':
        this.cache(message.input, message.count);
        return undefined;
      case 'prepare':
        this.prepare(message.from, message.to);
        return undefined;
      case 'drop':
        this.drop(message.cut);
        return undefined;
      case 'run':
        return this.run(message.cut, message.first, message.last);
    }
  }
}

export class BatchRunner {
  private readonly workers: Worker[];
  private readonly local: CompiledGraph;
  /** The cached API: per worker (or the main thread) a range of the cached samples. */
  private localShard?: CachedShard;
  private shardRanges: [number, number][] = [];
  /** Each worker's requests in flight. */
  private readonly tables: RequestTable[];

  /**
   * With `inWorkers`, even one thread runs in a worker (the bench compares like with like).
   * updateConstants writes into `graph`'s constants (the main thread's copy reads them).
   */
  constructor(private readonly graph: Graph, threads = defaultThreads(), private readonly inWorkers = false) {
    this.local = compileGraph(graph);
    this.workers = Array.from({ length: threads > 1 || inWorkers ? threads : 0 }, () => startWorker(graph));
    this.tables = this.workers.map((worker) => {
      const table = new RequestTable((envelope, transfer) => worker.postMessage(envelope, transfer));
      worker.on('message', (reply: Reply) => table.receive(reply));
      worker.on('error', (error) => table.fail(error));
      worker.on('exit', (code) => table.fail(new Error(`a worker thread stopped (exit code ${code})`)));
      return table;
    });
  }

  /** How many ranges cache() splits the samples into (one per worker; 1 without workers). */
  get shardCount(): number {
    return Math.max(1, this.workers.length);
  }

  /** Values of one window's inputs (all of them) and output. */
  get inputSize(): number {
    return runInputSize(this.local) / this.local.batch;
  }

  get outputSize(): number {
    return this.local.outputSizes[0] / this.local.batch;
  }

  /** Where part `s` of `parts` begins among `count` windows: on a run's first window, so no run is split. */
  private boundary(count: number, s: number, parts: number): number {
    const { batch } = this.local;
    return Math.min(count, batch * Math.floor((Math.ceil(count / batch) * s) / parts));
  }

  /** Outputs of `count` windows stored back to back, in the same order. */
  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const shards = Math.min(this.workers.length, Math.max(this.inWorkers ? 1 : 0, Math.floor(count / MIN_SAMPLES_PER_THREAD)));
    if (shards < (this.inWorkers ? 1 : 2)) return runBatch(this.local, input, count);
    const output = new Float32Array(count * this.outputSize);
    const jobs = [];
    for (let s = 0; s < shards; s++) {
      const [first, last] = [this.boundary(count, s, shards), this.boundary(count, s + 1, shards)];
      if (first === last) continue;
      const shard = input.slice(first * this.inputSize, last * this.inputSize);
      jobs.push(this.request(s, { type: 'batch', input: shard, count: last - first }).then((y) => output.set(y!, first * this.outputSize)));
    }
    await Promise.all(jobs);
    return output;
  }

  /**
   * Overwrites constants in place (name -> values in the graph's layout) in every copy of the
   * graph: the workers' and the main thread's (which is the graph given to the constructor).
   */
  async updateConstants(constants: Record<string, TensorData>): Promise<void> {
    new CachedShard(this.graph).update(constants);
    await Promise.all(this.workers.map((_, s) => this.request(s, { type: 'update', constants })));
  }

  /**
   * Keeps `count` samples in the threads (each its own range) for runCached; replaces any
   * earlier cache. The states at later cuts come from prepareCut.
   */
  async cache(input: Float32Array, count: number): Promise<void> {
    const shards = this.shardCount;
    this.shardRanges = Array.from({ length: shards }, (_, s) => [this.boundary(count, s, shards), this.boundary(count, s + 1, shards)]);
    if (this.workers.length === 0) {
      this.localShard ??= new CachedShard(this.graph);
      this.localShard.cache(input, count);
      return;
    }
    const inSize = this.inputSize;
    await Promise.all(this.shardRanges.map(([a, b], s) => this.request(s, { type: 'cache', input: input.slice(a * inSize, b * inSize), count: b - a })));
  }

  /** Computes every cached sample's state before node `to` from its state before node `from` (0: the inputs). */
  async prepareCut(from: number, to: number): Promise<void> {
    await this.broadcast({ type: 'prepare', from, to });
  }

  async dropCut(cut: number): Promise<void> {
    await this.broadcast({ type: 'drop', cut });
  }

  /**
   * Runs parts [from, to) of `parts` equal parts of every thread's cached samples, from the
   * state before node `cut`. Returns the global sample ranges run and their outputs, back
   * to back, in that order.
   */
  async runCached(cut: number, from: number, to: number, parts: number): Promise<{ ranges: [number, number][]; output: Float32Array }> {
    const local = this.shardRanges.map(([a, b]) => [this.boundary(b - a, from, parts), this.boundary(b - a, to, parts)]);
    const ranges = this.shardRanges.map(([a], s): [number, number] => [a + local[s][0], a + local[s][1]]);
    const outputs = await Promise.all(
      local.map(async ([first, last], s) =>
        this.workers.length === 0 ? this.localShard!.run(cut, first, last) : (await this.request(s, { type: 'run', cut, first, last }))!,
      ),
    );
    const output = new Float32Array(outputs.reduce((sum, o) => sum + o.length, 0));
    outputs.reduce((at, o) => (output.set(o, at), at + o.length), 0);
    return { ranges, output };
  }

  private async broadcast(message: ShardMessage): Promise<void> {
    if (this.workers.length === 0) {
      (this.localShard ?? fail('internal: runCached before cache')).handle(message);
      return;
    }
    await Promise.all(this.workers.map((_, s) => this.request(s, message)));
  }

  /** One request to worker s (the input of a batch or a cache moves to the thread). */
  private request(s: number, request: WorkerRequest): Promise<Float32Array | undefined> {
    return this.tables[s].send(request, request.type === 'batch' || request.type === 'cache' ? [request.input.buffer as ArrayBuffer] : []);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
