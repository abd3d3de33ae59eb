/**
 * Lowers the IR graph to a schedule of runtime-c kernel calls: each node through its op's
 * `lower` (src/ops), which reads its attributes and shapes through the same geometry as its
 * reference. This module implements what ops lower through (src/ops/lowering.ts): model-unique
 * identifiers, constant arrays, and a weight-bearing layer's weights, emitted in float32 or,
 * with a quantization, as packed codes; the graph the C must match (the deployed weights in
 * place of the originals) comes back too.
 */
import { fail } from '../errors.js';
import { opContext } from '../ir/context.js';
import { DTYPES, type Graph, type Node, shapeText } from '../ir/graph.js';
import { C_OPS, opDef } from '../ops/index.js';
import { type CKernel, type LayerWeights, type Lowering, type Scratch, type StepCode, designated } from '../ops/lowering.js';
import { where } from '../ops/shapes.js';
import type { LayerSize } from '../pack/size.js';
import { readRows, rowsToStorage, weightLayerOf } from '../plan/layers.js';
import { cComment, cFloat } from '../util/c.js';
import { NameTable } from './names.js';
import { STREAM_F32, STREAM_S8, type StreamChain, streamBlocks, streamChains, streamRole, streamS8ScratchBytes, streamScratchBytes } from './stream.js';
import { type CArray, type LayerQuantization, emitCodes, emitWeights } from './weights.js';
import type { Encoding } from '../pack/encode.js';
import { attrInt } from '../onnx/attributes.js';

export interface Step {
  node: string;
  op: string;
  /** Run-time values read, in order. */
  inputs: string[];
  output: string;
  /** Further values the step writes (a node's other outputs), each in its own buffer. */
  moreOutputs?: string[];
  /** The output may take the buffer of inputs[0] when this is its last use. */
  inPlace: boolean;
  scratch?: Scratch;
  kernels: readonly CKernel[];
  /** C statements, given where each value lives and the scratch pointer. */
  code: StepCode;
  /** A depth-first chain's struct and kernel (the step can also take its input a column at a time: <kernel>_begin / _push / _end). */
  stream?: { id: string; kernel: string };
}

export interface LayerReport {
  node: string;
  op: string;
  size: LayerSize;
}

export interface Lowered {
  steps: Step[];
  /** Values that are views of another value (same buffer). */
  views: Map<string, string>;
  /** Declarations for model.c (layer parameter structs, small constant arrays). */
  declarations: string[];
  /** Large constant arrays for <name>_weights.c. */
  weights: CArray[];
  layers: LayerReport[];
  /** The graph the C computes: deployed (e.g. dequantized) weights in place of the originals. */
  reference: Graph;
}

/** `layers`: one kernel call per op; `stream`: Conv chains depth first (stream.ts), for RAM. */
export type Schedule = 'layers' | 'stream';

export function lower(graph: Graph, modelName: string, quantization: Map<string, LayerQuantization> = new Map(), schedule: Schedule = 'layers', streamBlock = 1): Lowered {
  const names = new NameTable(modelName);
  const out: Lowered = { steps: [], views: new Map(), declarations: [], weights: [], layers: [], reference: { ...graph, constants: new Map(graph.constants) } };
  const constantArrays = new Map<string, string>();
  const isConstant = (name: string) => graph.constants.has(name);

  /** A constant read by a kernel: emitted once as a static array in model.c. */
  const constantArray = (name: string): string => {
    let id = constantArrays.get(name);
    if (!id) {
      id = names.take(`c_${name}`);
      const { data, dtype } = graph.constants.get(name)!;
      if (dtype === 'int64') fail(`internal: the int64 constant '${name}' has no C array`);
      const values = DTYPES[dtype].kind === 'float' ? Array.from(data, cFloat) : Array.from(data, String);
      out.declarations.push(`static const ${DTYPES[dtype].c} ${id}[${Math.max(1, data.length)}] = {${values.join(', ') || '0'}}; /* ${cComment(name)} */`);
      constantArrays.set(name, id);
    }
    return id;
  };

  /** What a node's `lower` works through. */
  function loweringOf(node: Node): Lowering {
    const comment = (output: string) => `/* ${cComment(`${node.name} (${node.op}) -> ${shapeText(graph.values.get(output)!.shape)}`)} */`;
    return {
      id: (kind, suffix = '') => names.take(`${node.name}${suffix}`, kind),
      declare: (text) => void out.declarations.push(text),
      constant: constantArray,
      operand: (name, at) => (isConstant(name) ? constantArray(name) : at(name)),
      step(kernels, code, options = {}) {
        // the values it writes: one output (Split takes a step per output), or several (a recurrent node's Y, Y_h, Y_c)
        const [output, ...moreOutputs] = options.outputs ?? [options.output ?? node.outputs.find((name) => name !== '') ?? node.outputs[0]];
        out.steps.push({
          node: node.name, op: node.op, inputs: node.inputs.filter((name) => name !== '' && !isConstant(name)),
          output, moreOutputs: moreOutputs.length ? moreOutputs : undefined,
          inPlace: options.inPlace ?? false, scratch: options.scratch, kernels, code: (at, scratch) => `${comment(output)}\n  ${code(at, scratch)}`,
        });
      },
      view: () => void out.views.set(node.outputs[0], node.inputs[0]),
      weights: (id) => layerWeights(node, id),
      codes: (id) => layerCodes(node, id),
      table(id, suffix, type, values) {
        out.weights.push({ name: `${id}__${suffix}`, type, values, comment: cComment(`${node.name} (${node.op}): ${suffix}`) });
        return `${id}__${suffix}`;
      },
      bias(id, index, count) {
        const name = node.inputs[index];
        if (!name) return 'NULL';
        const bias = graph.constants.get(name) ?? fail(`${where(node)}: the bias must be a constant to compile to C`);
        if (bias.data.length !== count) fail(`${where(node)}: a bias of shape ${shapeText(bias.shape)} has no C kernel (one value per output is needed)`);
        out.weights.push({ name: `${id}__bias`, type: 'float', values: bias.data, comment: cComment(`${node.name} (${node.op}): float32 bias`) });
        return `${id}__bias`;
      },
    };
  }

  /** The node's weight through its layer view, as the plan has it; the reference gets the deployed values. */
  function layerWeights(node: Node, id: string): LayerWeights {
    const layer = weightLayerOf(graph, node) ?? fail(`${where(node)}: the weight must be a float32 constant to compile to C`);
    const emitted = emitWeights(id, cComment(`${node.name} (${node.op})`), readRows(graph, layer), layer.rows, layer.biasCount, quantization.get(node.name));
    out.weights.push(...emitted.arrays);
    out.layers.push({ node: node.name, op: node.op, size: emitted.size });
    for (const [name, data] of rowsToStorage(layer, emitted.deployed)) out.reference.constants.set(name, { ...graph.constants.get(name)!, data });
    return emitted;
  }

  /** An integer layer's codes (its constant int8 input 1, attributes bits and encoding), packed as the plan has them. */
  function layerCodes(node: Node, id: string): LayerWeights {
    const codes = graph.constants.get(node.inputs[1]) ?? fail(`${where(node)}: the weight codes must be a constant to compile to C`);
    const rows = codes.shape[0];
    const encoding = node.attrs.encoding === undefined ? undefined : (String(node.attrs.encoding) as Encoding);
    const emitted = emitCodes(id, cComment(`${node.name} (${node.op})`), Int32Array.from(codes.data), rows, attrInt(node, 'bits'), encoding);
    out.weights.push(...emitted.arrays);
    out.layers.push({ node: node.name, op: node.op, size: emitted.size });
    return emitted;
  }

  const chains = schedule === 'stream' ? streamChains(graph) : new Map();
  for (const node of graph.nodes) {
    const chain = chains.get(node);
    if (chain) {
      if (node === chain.nodes[0]) out.steps.push(lowerStream(graph, chain, names, loweringOf, streamBlock));
      continue;
    }
    const def = opDef(node);
    if (def.view) {
      out.views.set(node.outputs[0], node.inputs[0]);
      continue;
    }
    // Run-time tensors in C are float32, those of the types the op's C takes (bool, int8), and int64 indices where it reads or computes them.
    const runtime = [
      ...node.inputs.filter((name, i) => name !== '' && !isConstant(name) && !def.integerInputs?.includes(i)),
      ...(def.computesIndices ? [] : node.outputs.filter((name) => name !== '')),
    ].map((name) => graph.values.get(name)!.dtype);
    if (runtime.includes('int64')) fail(`${where(node)}: integer tensors at run time have no C kernel`);
    const other = runtime.find((dtype) => dtype !== 'float32' && !def.cTypes?.includes(dtype));
    if (other) fail(`${where(node)}: ${other} tensors at run time have no C kernel for ${node.op} (C computes float32, bool, int8, uint8 and int64 indices, each where an op's kernel takes it)`);
    if (!def.lower) fail(`${where(node)} has no C kernel. Ops the C backend supports: ${C_OPS.join(', ')}`);
    const outputs = node.outputs.map((name) => graph.values.get(name)!);
    const before = out.steps.length;
    def.lower(opContext(graph, node), outputs, loweringOf(node));
    // An output none of its steps writes would be read from an unwritten buffer: refuse it if anything reads it.
    const written = new Set([...out.steps.slice(before).flatMap((step) => [step.output, ...(step.moreOutputs ?? [])]), ...out.views.keys()]);
    const unwritten = node.outputs.find((name) => name !== '' && !written.has(name) && (graph.outputs.includes(name) || graph.nodes.some((n) => n.inputs.includes(name))));
    if (unwritten) fail(`${where(node)}: its output '${unwritten}' has no C kernel`);
  }
  return out;
}

/** A chain as one step calling ecgc_stream_f32 or ecgc_stream_s8, whose scratch holds what each stage keeps of its input. */
function lowerStream(graph: Graph, chain: StreamChain, names: NameTable, loweringOf: (node: Node) => Lowering, block: number): Step {
  const id = names.take(`${chain.nodes[0].name}_stream`, 'stream');
  const kernel = chain.int8 ? STREAM_S8 : STREAM_F32;
  const kernels: CKernel[] = [kernel];
  const declare = loweringOf(chain.nodes[0]).declare;
  const stages = chain.stages.map((stage, k) => {
    const declared = streamRole(stage.conv, 'stage').declare(opContext(graph, stage.conv), loweringOf(stage.conv));
    const post = stage.post.map((node) => {
      const role = streamRole(node, 'post');
      kernels.push(...role.kernels);
      return role.init(opContext(graph, node), loweringOf(node));
    });
    const postId = `${id}__post${k}`;
    if (post.length) loweringOf(stage.conv).declare(`static const ecgc_stream_post_t ${postId}[] = {${post.join(', ')}};`);
    return { ...declared, post: post.length ? postId : 'NULL', postCount: post.length };
  });
  const blocks = streamBlocks(stages, block);
  const reduce = chain.reduce && streamRole(chain.reduce, 'reduce')(opContext(graph, chain.reduce), loweringOf(chain.reduce));
  let scratch: number;
  if (chain.int8) {
    const entry = chain.entry ? streamRole(chain.entry, 'entry')(opContext(graph, chain.entry)) : { quantize: 0, input_inverse_scale: 0, input_zero_point: 0 };
    declare(`static const ecgc_stream_s8_stage_t ${id}__stages[] = {${stages.map((s, k) => designated({ conv: `&${s.id}`, block: blocks[k] })).join(', ')}};`);
    declare(`static const ecgc_stream_s8_t ${id} = ${designated({ stage_count: stages.length, stages: `${id}__stages`, ...entry, mean: reduce || 'NULL' })};`);
    scratch = streamS8ScratchBytes(stages, blocks, reduce ? stages[stages.length - 1].outChannels : 0);
  } else {
    declare(`static const ecgc_stream_stage_t ${id}__stages[] = {${stages.map((s, k) => designated({ conv: `&${s.id}`, post_count: s.postCount, post: s.post, block: blocks[k] })).join(', ')}};`);
    declare(`static const ecgc_stream_t ${id} = ${designated({ stage_count: stages.length, stages: `${id}__stages`, reduce: reduce || 'ECGC_STREAM_NONE' })};`);
    scratch = streamScratchBytes(stages, blocks);
  }
  // "first .. last (Stream)": the step comment ecgc bench reads (see src/bench/device.ts)
  const shape = shapeText(graph.values.get(chain.output)!.shape);
  const comment = `/* ${cComment(`${chain.nodes[0].name} .. ${chain.nodes[chain.nodes.length - 1].name} (Stream) -> ${shape}`)} */`;
  return {
    node: chain.nodes[0].name, op: 'Stream', inputs: [chain.input], output: chain.output, inPlace: false, kernels,
    scratch: { bytes: scratch, check: `${kernel.name}_get_buffer_size(&${id})` },
    code: (at, s) => `${comment}\n  ${kernel.name}(&${id}, ${at(chain.input)}, ${at(chain.output)}, ${s});`,
    stream: { id, kernel: kernel.name },
  };
}
