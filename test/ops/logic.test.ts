/**
 * Comparisons, logic and Where (bool tensors at run time), Cast to and from bool, and the
 * variadic Max/Min/Sum/Mean: the reference against onnxruntime (exact for the bool ops,
 * within the oracles' tolerance for the arithmetic) and the C against the reference bit for
 * bit. The C API takes and gives float32, so each graph starts from a float input and ends
 * in a float output (Where or a Cast); bool graph inputs run in the reference only.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/codegen/emit.js';
import { optimize } from '../../src/model/load.js';
import { importModel } from '../../src/onnx/import.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import { verifyHost } from '../../src/codegen/verify.js';
import { type ModelSpec, type NodeSpec, buildModel } from '../../src/onnx/build.js';
import { onnx } from '../../src/onnx/proto.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { ORACLE_TOLERANCE, relativeError, runReference } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { LOGIC_MODELS, model, quarters } from '../helpers/logic-models.js';
import { ort } from '../helpers/ort.js';

const COUNT = 3;
const SAMPLE = 4 * 16;
const input = () => quarters(COUNT * SAMPLE, 11);

async function expectOnnxruntimeAgrees(spec: ModelSpec, tolerance: number): Promise<void> {
  const x = input();
  const session = await ort!.InferenceSession.create(buildModel(spec));
  const theirs = (await session.run({ x: new ort!.Tensor('float32', x, [COUNT, 4, 16]) })).y.data as Float32Array;
  const ours = runReference(graphOf(spec), x, COUNT);
  expect(ours.length).toBe(theirs.length);
  expect(relativeError(ours, theirs)).toBeLessThanOrEqual(tolerance);
}

const expectCExact = async (spec: ModelSpec) => expectVerified(await verifyHost(graphOf(spec), 'logic.onnx', input(), COUNT, { optimizations: ['-O0', '-O2'] }));

describe('comparisons, logic, Where and variadic ops', () => {
  for (const [name, spec] of Object.entries(LOGIC_MODELS)) {
    const exact = !/^(Sum|Mean)/.test(name);
    it.skipIf(!ort)(`${name}: the reference agrees with onnxruntime${exact ? ' exactly' : ''}`, async () => {
      await expectOnnxruntimeAgrees(spec, exact ? 0 : ORACLE_TOLERANCE);
    });

    it(`${name}: the C equals the reference bit for bit`, async () => {
      await expectCExact(spec);
    });
  }
});

describe('bool tensors', () => {
  const boolModel = (output: string, nodes: NodeSpec[]): Uint8Array => {
    const spec = buildModel(model(nodes, output));
    // the input as bool: the reference runs such graphs (ONNX's node tests), the C API does not take them
    const proto = onnx.ModelProto.decode(spec);
    proto.graph!.input![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.BOOL;
    return onnx.ModelProto.encode(proto).finish();
  };

  it('a bool graph input runs in the reference, and the C refuses it in one line', () => {
    const graph = optimize(importModel(boolModel('y', [{ name: 'not', op: 'Not', inputs: ['x'], outputs: ['y'] }]), 'b.onnx'));
    const y = compileGraph(graph).run([Float32Array.from({ length: SAMPLE }, (_, i) => +(i % 3 === 0))]);
    expect(Array.from(y[0].subarray(0, 6))).toEqual([0, 1, 1, 0, 1, 1]);
    expect(() => generate(graph, 'b.onnx', { target: 'host' })).toThrow("b.onnx: the graph's input 'x' is bool; the C API takes float32");
  });

  it('refuses, naming the node, And of float tensors and a bool op whose C has no bool kernel', () => {
    expect(() => graphOf(model([{ name: 'and', op: 'And', inputs: ['x', 't'], outputs: ['y'] }]))).toThrow("node 'and' (And): inputs of types float32 and float32 are not supported (bool types, both the same)");
    const transposed = model([
      { name: 'less', op: 'Less', inputs: ['x', 't'], outputs: ['c'] },
      { name: 'transpose', op: 'Transpose', inputs: ['c'], outputs: ['ct'], attrs: { perm: [0, 2, 1] } },
      { name: 'cast', op: 'Cast', inputs: ['ct'], outputs: ['y'], attrs: { to: onnx.TensorProto.DataType.FLOAT } },
    ]);
    expect(() => generate(graphOf(transposed), 't.onnx', { target: 'host' })).toThrow("node 'transpose' (Transpose): bool tensors at run time have no C kernel for Transpose");
  });
});
