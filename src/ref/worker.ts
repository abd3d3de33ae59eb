/** A BatchRunner thread: compiles the graph once, then runs the shards it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';
import { compileGraph, runBatch } from './interpreter.js';

const compiled = compileGraph((workerData as { graph: Graph }).graph);

parentPort!.on('message', ({ input, count }: { input: Float32Array; count: number }) => {
  try {
    const output = runBatch(compiled, input, count);
    parentPort!.postMessage({ output }, [output.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
