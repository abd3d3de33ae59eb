/**
 * ONNX's backend node tests (../shared/onnx-node-tests: v1.17.0, one folder per case) run
 * the way a compiler runs them: the graph's first input is the model's input, every other
 * input is bound to its test value as a constant (ecgc's C API takes one input), and each
 * case ends passed (every output within the ONNX runner's rtol 1e-3, atol 1e-7), wrong, or
 * refused with ecgc's one-line message.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EcgcError } from '../../src/errors.js';
import { decodeModel, importModel } from '../../src/onnx/import.js';
import { type OnnxTypes, onnx } from '../../src/onnx/proto.js';
import { tensorFromProto } from '../../src/onnx/tensor.js';
import { optimize } from '../../src/model/load.js';
import { SUPPORTED_OPS } from '../../src/ops/index.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import type { Graph, TensorData } from '../../src/ir/graph.js';

export const NODE_TESTS = join(import.meta.dirname, '..', '..', '..', 'shared', 'onnx-node-tests', 'node');

export const nodeTestsAvailable = () => existsSync(NODE_TESTS);

export function nodeTestNames(): string[] {
  return readdirSync(NODE_TESTS).filter((name) => existsSync(join(NODE_TESTS, name, 'model.onnx'))).sort();
}

/** The op types a case's graph uses. */
export function nodeTestOps(name: string): string[] {
  const model = decodeModel(readFileSync(join(NODE_TESTS, name, 'model.onnx')), name);
  return [...new Set((model.graph?.node ?? []).map((n) => n.opType ?? ''))].sort();
}

/** Whether every op of the case is one ecgc claims. */
export const claimed = (name: string) => nodeTestOps(name).every((op) => SUPPORTED_OPS.includes(op));

const readTensor = (file: string) => onnx.TensorProto.decode(readFileSync(file));
const T = onnx.TensorProto.DataType;

/** Passed; wrong (with the first differing output); or refused (ecgc's message, without the file's name). */
export type Outcome = 'passed' | `wrong: ${string}` | `refused: ${string}`;

export interface NodeTest {
  graph: Graph;
  /** The first input, of its own type. */
  input: TensorData;
  expected: TensorData[];
}

/** A case as ecgc reads it: every input but the first bound to its test value as an initializer. */
export function loadNodeTest(name: string): NodeTest {
  const dir = join(NODE_TESTS, name);
  const set = join(dir, 'test_data_set_0');
  const model = decodeModel(readFileSync(join(dir, 'model.onnx')), name);
  const proto = model.graph!;
  const numbered = (prefix: string) => readdirSync(set).filter((f) => f.startsWith(prefix)).sort((a, b) => parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length))).map((f) => readTensor(join(set, f)));
  const graphInputs = (proto.input ?? []).filter((i) => !(proto.initializer ?? []).some((t) => t.name === i.name));
  // ONNX's test data holds bfloat16 values as their uint16 bit patterns: read them as the graph declares them
  const declared = (values: OnnxTypes.ITensorProto[], infos: OnnxTypes.IValueInfoProto[]) =>
    values.map((t, i) => (t.dataType === T.UINT16 && infos[i]?.type?.tensorType?.elemType === T.BFLOAT16 ? { ...t, dataType: T.BFLOAT16 } : t));
  const [inputs, outputs] = [declared(numbered('input_'), graphInputs), declared(numbered('output_'), proto.output ?? [])];
  graphInputs.slice(1).forEach((input, i) => {
    proto.initializer = [...(proto.initializer ?? []), { ...inputs[i + 1], name: input.name }];
  });
  proto.input = graphInputs.slice(0, 1);
  const graph = optimize(importModel(onnx.ModelProto.encode(model).finish(), name));
  return { graph, input: tensorFromProto(inputs[0], 'input 0').data, expected: outputs.map((o, i) => tensorFromProto(o, `output ${i}`).data) };
}

/** ecgc's one-line refusal, without the case's name in front; anything else is a crash and is thrown. */
export function refusal(name: string, e: unknown): `refused: ${string}` {
  if (!(e instanceof EcgcError)) throw e;
  return `refused: ${e.message.replaceAll(`${name}: `, '')}`;
}

/**
 * Cases whose expected int8 outputs wrap a result beyond int8 around (-236 is stored as 20):
 * ONNX's reference casts with NumPy, whereas the operator's text and onnxruntime saturate
 * (onnxruntime-node gives -128 there). Here a value may differ from the file's only where ecgc's
 * is the saturation bound.
 */
const WRAPPED_EXPECTED = new Set(['test_qlinearmatmul_2D_int8_float16', 'test_qlinearmatmul_2D_int8_float32', 'test_qlinearmatmul_3D_int8_float16', 'test_qlinearmatmul_3D_int8_float32']);

/** The reference on a case, against the expected outputs (rtol 1e-3, atol 1e-7). */
export function runNodeTest(name: string): Outcome {
  let test: NodeTest;
  try {
    test = loadNodeTest(name);
  } catch (e) {
    return refusal(name, e);
  }
  let results: TensorData[];
  try {
    results = compileGraph(test.graph).run([test.input]);
  } catch (e) {
    return refusal(name, e);
  }
  for (let o = 0; o < test.expected.length; o++) {
    const [actual, expected] = [results[o], test.expected[o]];
    if (!actual || actual.length !== expected.length) return `wrong: output ${o} has ${actual?.length} values, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const [a, e] = [actual[i], expected[i]];
      if (WRAPPED_EXPECTED.has(name) && (a === -128 || a === 127)) continue;
      if (a !== e && (Number.isNaN(e) ? !Number.isNaN(a) : !(Math.abs(a - e) <= 1e-7 + 1e-3 * Math.abs(e)))) return `wrong: output ${o}[${i}] is ${a}, expected ${e}`;
    }
  }
  return 'passed';
}
