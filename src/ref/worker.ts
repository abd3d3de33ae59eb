/**
 * A BatchRunner thread: compiles the graph once, then runs the shards it is sent. Messages
 * with a `type` belong to the cached API (CachedShard); they share the graph's constants, so
 * an update is seen by both.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';
import { compileGraph, runBatch } from './interpreter.js';
import { CachedShard, type ShardMessage } from './parallel.js';

const graph = (workerData as { graph: Graph }).graph;
const compiled = compileGraph(graph);
const shard = new CachedShard(graph);

parentPort!.on('message', (message: { input: Float32Array; count: number } | ShardMessage) => {
  if ('type' in message) {
    try {
      const output = shard.handle(message);
      parentPort!.postMessage(output ? { output } : { done: true }, output ? [output.buffer as ArrayBuffer] : []);
    } catch (e) {
      parentPort!.postMessage({ error: (e as Error).message });
    }
    return;
  }
  const { input, count } = message;
  try {
    const output = runBatch(compiled, input, count);
    parentPort!.postMessage({ output }, [output.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
