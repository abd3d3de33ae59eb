/**
 * The reference interpreter against torch on every fixture: max |error| / max |output|
 * <= 1e-5 (torch computes in its own order and with libm, so bits may differ); a model
 * quantized in ONNX within one step of its output's scale (expectAgreement).
 */
import { describe, expect, it } from 'vitest';
import { ORACLE_TOLERANCE, expectAgreement, loadFixture, manifest, relativeError, runReference } from '../helpers/fixtures.js';

/** Every op the foundation supports appears in at least one fixture. */
const REQUIRED_OPS = [
  'Conv', 'BatchNormalization', 'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh', 'Erf', 'Add', 'Sub', 'Mul', 'Div',
  'Pow', 'Sqrt', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'ReduceMean', 'Flatten', 'Reshape',
  'Squeeze', 'Unsqueeze', 'Transpose', 'Concat', 'Slice', 'Gather', 'Pad', 'Gemm', 'MatMul', 'Softmax',
  'LayerNormalization', 'Shape', 'Constant', 'Cast', 'If',
];

describe('fixtures cover the supported ops', () => {
  it('every required op is exported by torch in some fixture, at opsets 11, 13 and 17', () => {
    const seen = new Set(manifest.flatMap((m) => m.ops));
    expect(REQUIRED_OPS.filter((op) => !seen.has(op))).toEqual([]);
    expect(new Set(manifest.map((m) => m.opset))).toEqual(new Set([11, 13, 17]));
  });
});

describe('reference interpreter matches torch', () => {
  for (const entry of manifest) {
    it(`${entry.name} (opset ${entry.opset})`, () => {
      const { graph, input, expected } = loadFixture(entry.name);
      const count = input.shape[0];
      const actual = runReference(graph, input.data, count);
      if (entry.name === 'avgpool_ceil_include_pad') {
        // torch 1.13 exports an explicit Pad + ceil-mode AveragePool whose graph yields one
        // more position (16) than torch computes (15); ecgc follows the graph. The first 15 match.
        const outShape = graph.values.get(graph.outputs[0])!.shape;
        expect(outShape.at(-1)).toBe(16);
        const rows = actual.length / 16;
        const firstFifteen = new Float32Array(rows * 15);
        for (let r = 0; r < rows; r++) firstFifteen.set(actual.subarray(r * 16, r * 16 + 15), r * 15);
        expect(firstFifteen.length).toBe(expected.data.length);
        expect(relativeError(firstFifteen, expected.data)).toBeLessThanOrEqual(ORACLE_TOLERANCE);
        return;
      }
      expectAgreement(actual, expected.data, entry);
    });
  }
});
