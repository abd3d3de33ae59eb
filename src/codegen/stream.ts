/**
 * The depth-first schedule (`--schedule stream`): chains of 1-D convolutions (ops whose
 * definition has a stream stage), run one time step at a time, so that no intermediate tensor
 * is ever stored whole; the outputs are the layer-by-layer ones bit for bit. A float32 chain
 * (runtime-c/ecgc_stream.c) takes the element-wise ops between its stages and keeps each
 * layer's last (kernel-1)*dilation+1 input columns (same sums, same order); an int8 chain
 * (runtime-c/ecgc_stream_s8.c: ConvS8 stages, their activations folded into their clamps) may
 * open by quantizing its float32 input, column by column, and keeps each layer's input rows
 * time-major. Either may close with a reduction over time.
 */
import { opContext } from '../ir/context.js';
import type { Graph, Node } from '../ir/graph.js';
import { opDef } from '../ops/index.js';
import { type StreamRole, type StreamStage, cKernel } from '../ops/lowering.js';

/** The stream runs its own conv and calls ecgc_channel_affine_f32 and the element-wise functions. */
export const STREAM_F32 = cKernel('ecgc_stream_f32', 'ecgc_stream.c', 'ecgc_weights.c', 'ecgc_unary.c', 'ecgc_channel_affine.c');
/** The int8 stream calls ecgc_conv1d_s8's spans and, opening a chain, ecgc_quantize_s8. */
export const STREAM_S8 = cKernel('ecgc_stream_s8', 'ecgc_stream_s8.c', 'ecgc_conv1d_s8.c', 'ecgc_weights.c', 'ecgc_quantize.c');

export interface StreamChain {
  /** Its stages' input type: int8 chains run on ecgc_stream_s8. */
  int8: boolean;
  /** An int8 chain's opening quantization of its float32 input, if any. */
  entry?: Node;
  stages: { conv: Node; post: Node[] }[];
  /** The closing reduction over time, if any. */
  reduce?: Node;
  input: string;
  output: string;
  nodes: Node[];
}

type Role = 'stage' | 'post' | 'entry' | 'reduce';

function roleOf(graph: Graph, node: Node): Role | undefined {
  const role = opDef(node).stream;
  if (!role) return undefined;
  if ('stage' in role) return role.stage.accepts(opContext(graph, node)) ? 'stage' : undefined;
  if ('post' in role) return (role.post.accepts?.(opContext(graph, node)) ?? true) ? 'post' : undefined;
  return 'entry' in role ? 'entry' : 'reduce';
}

type Roles = { [K in Role]: Extract<StreamRole, Record<K, unknown>> };

/** A chain node's part in it, as its op defines it (a chain holds only nodes that have one). */
export function streamRole<K extends Role>(node: Node, kind: K): Roles[K][K] {
  const role = opDef(node).stream;
  if (!role || !(kind in role)) throw new Error(`internal: node '${node.name}' has no stream ${kind}`);
  return (role as Roles[K])[kind];
}

/** Chains of at least two stages of one type, each value inside used by the next op only. */
export function findStreamChains(graph: Graph): StreamChain[] {
  const consumers = new Map<string, Node[]>();
  for (const node of graph.nodes) for (const input of node.inputs) if (input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const isRuntime = (name: string) => !graph.constants.has(name);
  const isInt8 = (value: string) => graph.values.get(value)?.dtype === 'int8';
  /** The only consumer of a value that is not a graph output, reading it as its one run-time input. */
  const next = (value: string): Node | undefined => {
    const users = consumers.get(value) ?? [];
    if (users.length !== 1 || graph.outputs.includes(value)) return undefined;
    const user = users[0];
    return user.inputs.filter((i) => i && isRuntime(i)).length === 1 && user.inputs[0] === value ? user : undefined;
  };

  const chains: StreamChain[] = [];
  const taken = new Set<Node>();
  for (const start of graph.nodes) {
    const role = roleOf(graph, start);
    if (taken.has(start) || (role !== 'stage' && role !== 'entry') || !isRuntime(start.inputs[0])) continue;
    const chain: StreamChain = { int8: isInt8(start.outputs[0]), stages: [], input: start.inputs[0], output: start.outputs[0], nodes: [start] };
    if (role === 'entry') chain.entry = start;
    else chain.stages.push({ conv: start, post: [] });
    for (let node = next(chain.output); node; node = next(chain.output)) {
      const role = roleOf(graph, node);
      const last = chain.stages[chain.stages.length - 1];
      // a stage of the chain's type; a float32 stage's element-wise ops; the closing reduction
      if (role === 'stage' && isInt8(node.inputs[0]) === chain.int8) chain.stages.push({ conv: node, post: [] });
      else if (role === 'post' && last && !chain.int8) last.post.push(node);
      else if (role === 'reduce' && last && isInt8(node.inputs[0]) === chain.int8) chain.reduce = node;
      else break;
      chain.nodes.push(node);
      chain.output = node.outputs[0];
      if (chain.reduce) break;
    }
    if (chain.stages.length < 2) continue;
    for (const node of chain.nodes) taken.add(node);
    chains.push(chain);
  }
  return chains;
}

/** Each node of a chain -> its chain. */
export function streamChains(graph: Graph): Map<Node, StreamChain> {
  return new Map(findStreamChains(graph).flatMap((chain) => chain.nodes.map((node) => [node, chain] as const)));
}

/** The most output columns a stage computes per decoding of its weights (ECGC_STREAM_MAX_BLOCK). */
export const MAX_STREAM_BLOCK = 16;

/**
 * How many output columns each stage computes per decoding of its weights: `block` for a
 * stage whose weights are packed or sparse (decoding is what a block saves), 1 for float32
 * weights (nothing to decode: a block would only cost RAM).
 */
export function streamBlocks(stages: StreamStage[], block: number): number[] {
  return stages.map((s) => (s.packed || s.sparse ? block : 1));
}

/**
 * ecgc_stream_f32_get_buffer_size: a 28-byte layout; per stage a 24-byte state; two hand-off
 * columns (the widest stage input or the last output); for kernels above 1, a group's taps per
 * column of a block; where each tap's column is; a decoded row for packed or sparse weights and
 * sparse positions; each blocked stage's outbox of `block` output columns; each stage's ring of
 * (kernel-1)*dilation + (block-1)*stride columns before the newest. All in 4-byte words.
 */
export function streamScratchBytes(stages: StreamStage[], blocks: number[]): number {
  const widest = (pick: (s: StreamStage, block: number) => number) => Math.max(0, ...stages.map((s, k) => pick(s, blocks[k])));
  const sum = (pick: (s: StreamStage, block: number) => number) => stages.reduce((total, s, k) => total + pick(s, blocks[k]), 0);
  const handoff = Math.max(stages[stages.length - 1].outChannels, widest((s) => s.inChannels));
  const window = widest((s, block) => (s.kernel > 1 ? block * s.rowLength : 0));
  const columns = widest((s, block) => block * s.kernel);
  const row = widest((s) => (s.packed ? s.rowLength : 0));
  const positions = widest((s) => (s.sparse ? s.rowLength : 0));
  const outboxes = sum((s, block) => (block > 1 ? block * s.outChannels : 0));
  const rings = sum((s, block) => ((s.kernel - 1) * s.dilation + (block - 1) * s.stride) * s.inChannels);
  return 28 + 24 * stages.length + 4 * (2 * handoff + window + row + positions + columns + outboxes + rings);
}

/**
 * ecgc_stream_s8_get_buffer_size: an 8-byte layout; per stage a 24-byte state; the widest
 * stage's span scratch; a closing mean's int32 sum per channel; per stage its input rows
 * ((block-1)*stride + (kernel-1)*dilation + 1 of `width` bytes, and 4 bytes a window may read
 * past them) and its outbox of `block` output columns, each rounded up to 4 bytes.
 */
export function streamS8ScratchBytes(stages: StreamStage[], blocks: number[], meanChannels: number): number {
  const round4 = (n: number) => Math.ceil(n / 4) * 4;
  const s8 = (s: StreamStage) => {
    if (!s.s8) throw new Error(`internal: stage '${s.id}' is not int8`);
    return s.s8;
  };
  const span = Math.max(...stages.map((s) => round4(s8(s).spanBytes)));
  const own = stages.reduce((sum, s, k) => {
    const rows = (blocks[k] - 1) * s.stride + (s.kernel - 1) * s.dilation + 1;
    return sum + round4(rows * s8(s).width + 4) + round4(s.outChannels * blocks[k]);
  }, 0);
  return 8 + 24 * stages.length + span + 4 * meanChannels + own;
}
