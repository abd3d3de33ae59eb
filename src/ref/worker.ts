/**
 * A BatchRunner thread: compiles the graph once, then answers the requests it is sent, each
 * reply naming the request's id. Plain batches run on the compiled graph; the cached API's
 * messages go to a CachedShard, which shares the graph's constants, so an update is seen by both.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Graph } from '../ir/graph.js';
import { compileGraph, runBatch } from './interpreter.js';
import { CachedShard, type RequestEnvelope, answer } from './parallel.js';

const graph = (workerData as { graph: Graph }).graph;
const compiled = compileGraph(graph);
const shard = new CachedShard(graph);

parentPort!.on('message', (envelope: RequestEnvelope) => {
  const reply = answer(envelope, (request) => (request.type === 'batch' ? runBatch(compiled, request.input, request.count) : shard.handle(request)));
  parentPort!.postMessage(reply, reply.output ? [reply.output.buffer as ArrayBuffer] : []);
});
