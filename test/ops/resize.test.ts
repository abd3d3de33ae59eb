/**
 * Resize's weighted modes: cubic (cubic_coeff_a, exclude_outside, every coordinate
 * transformation), antialias (linear and cubic) and tf_crop_and_resize (roi,
 * extrapolation_value) with each mode. The reference against onnxruntime within the oracles'
 * tolerance (ORACLE_TOLERANCE: max |error| / max |output| <= 1e-5; onnxruntime weighs the taps
 * in its own order, antialias with its own windows), and the C against the reference bit for
 * bit. onnxruntime resizes cubic only on the last two axes of a 4-D input, so the cubic time
 * series of rank 3 is checked in C alone. Nearest and linear alone: data-movement.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { verifyDevice, verifyHost } from '../../src/codegen/verify.js';
import { cortexTarget } from '../../src/toolchain/targets.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { sizeOf } from '../../src/ir/graph.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';

const COUNT = 2;

interface Case {
  name: string;
  /** One sample's input shape (the model's is [N, ...shape]). */
  shape: number[];
  attrs: NodeSpec['attrs'];
  scales?: number[];
  sizes?: number[];
  roi?: number[];
  /** onnxruntime runs it (cubic needs 4-D). */
  onnxruntime?: boolean;
}

const ints = (values: number[]) => ({ shape: [values.length], data: values, int64: true });
const floats = (values: number[]) => ({ shape: [values.length], data: values });

const TRANSFORMS = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
const CROP = { coordinate_transformation_mode: 'tf_crop_and_resize' };
// Rows from -0.2 (outside) to 0.9, columns from 0.1 to 1.3 (outside): every side extrapolates.
const CROP_OUTSIDE = [0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3];

const CASES: Case[] = [
  ...TRANSFORMS.map((transform) => ({ name: `cubic up the time axis, ${transform}`, shape: [1, 2, 16], attrs: { mode: 'cubic', coordinate_transformation_mode: transform }, scales: [1, 1, 1, 2.5] })),
  { name: 'cubic down the time axis (sizes)', shape: [1, 2, 16], attrs: { mode: 'cubic' }, sizes: [1, 1, 2, 7] },
  { name: 'cubic down, align_corners (sizes)', shape: [1, 2, 16], attrs: { mode: 'cubic', coordinate_transformation_mode: 'align_corners' }, sizes: [1, 1, 2, 7] },
  { name: 'cubic on both axes, a = -0.5, exclude_outside', shape: [1, 6, 8], attrs: { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1 }, scales: [1, 1, 1.5, 0.75] },
  { name: 'cubic on the time axis of a rank-3 series', shape: [3, 16], attrs: { mode: 'cubic' }, scales: [1, 1, 1.75], onnxruntime: false },
  { name: 'linear antialias down both axes', shape: [1, 6, 16], attrs: { mode: 'linear', antialias: 1 }, scales: [1, 1, 0.5, 0.3] },
  { name: 'linear antialias down the time axis (sizes)', shape: [1, 2, 16], attrs: { mode: 'linear', antialias: 1 }, sizes: [1, 1, 2, 5] },
  { name: 'cubic antialias down both axes', shape: [1, 6, 16], attrs: { mode: 'cubic', antialias: 1 }, scales: [1, 1, 0.6, 0.3] },
  { name: 'cubic antialias, exclude_outside', shape: [1, 6, 16], attrs: { mode: 'cubic', antialias: 1, exclude_outside: 1 }, scales: [1, 1, 0.6, 0.3] },
  { name: 'cubic antialias up (the filter as it is)', shape: [1, 6, 16], attrs: { mode: 'cubic', antialias: 1 }, scales: [1, 1, 1.5, 2] },
  { name: 'tf_crop_and_resize linear, inside', shape: [1, 6, 16], attrs: { mode: 'linear', ...CROP }, sizes: [1, 1, 4, 10], roi: [0, 0, 0.2, 0.1, 1, 1, 0.9, 0.7] },
  { name: 'tf_crop_and_resize linear, extrapolated', shape: [1, 6, 16], attrs: { mode: 'linear', ...CROP, extrapolation_value: 2.5 }, sizes: [1, 1, 4, 10], roi: CROP_OUTSIDE },
  { name: 'tf_crop_and_resize nearest, extrapolated', shape: [1, 6, 16], attrs: { mode: 'nearest', ...CROP, extrapolation_value: -1.5 }, sizes: [1, 1, 4, 10], roi: CROP_OUTSIDE },
  { name: 'tf_crop_and_resize cubic, extrapolated', shape: [1, 6, 16], attrs: { mode: 'cubic', ...CROP, extrapolation_value: 2.5 }, sizes: [1, 1, 4, 10], roi: CROP_OUTSIDE },
  { name: 'tf_crop_and_resize to one row', shape: [1, 6, 16], attrs: { mode: 'linear', ...CROP }, sizes: [1, 1, 1, 10], roi: [0, 0, 0.2, 0.1, 1, 1, 0.9, 0.7] },
];

const specOf = (c: Case): ModelSpec => ({
  opset: 19,
  inputs: [{ name: 'x', shape: ['N', ...c.shape] }],
  outputs: ['y'],
  initializers: { ...(c.roi ? { roi: floats(c.roi) } : {}), ...(c.scales ? { scales: floats(c.scales) } : {}), ...(c.sizes ? { sizes: ints(c.sizes) } : {}) },
  nodes: [{ name: 'resize', op: 'Resize', inputs: ['x', c.roi ? 'roi' : '', c.scales ? 'scales' : '', c.sizes ? 'sizes' : ''], outputs: ['y'], attrs: c.attrs }],
});

const inputOf = (c: Case) => randomFloats(COUNT * sizeOf(c.shape), 5, 4);

describe('Resize: cubic, antialias, tf_crop_and_resize', () => {
  for (const c of CASES) {
    if (c.onnxruntime !== false) {
      it.skipIf(!ort)(`${c.name}: the reference agrees with onnxruntime`, async () => {
        await agreesWithOrt(specOf(c), inputOf(c), COUNT, c.shape);
      });
    }

    it(`${c.name}: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(specOf(c)), 'op.onnx', inputOf(c), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }

  it('cubic antialias and an extrapolating crop: the C equals the reference bit for bit on Cortex-M0 and M4F', async () => {
    if (!(await cortexToolsAvailable('Cortex-M Resize'))) return;
    const spec: ModelSpec = {
      opset: 19,
      inputs: [{ name: 'x', shape: ['N', 1, 6, 16] }],
      outputs: ['y'],
      initializers: { down: floats([1, 1, 0.6, 0.5]), roi: floats(CROP_OUTSIDE), sizes: ints([1, 1, 4, 10]) },
      nodes: [
        { name: 'shrink', op: 'Resize', inputs: ['x', '', 'down'], outputs: ['s'], attrs: { mode: 'cubic', antialias: 1 } },
        { name: 'crop', op: 'Resize', inputs: ['s', 'roi', '', 'sizes'], outputs: ['y'], attrs: { mode: 'cubic', ...CROP, extrapolation_value: 2.5 } },
      ],
    };
    const x = randomFloats(COUNT * 96, 7, 4);
    for (const target of ['cortex-m0', 'cortex-m4f']) {
      expectVerified(await verifyDevice(graphOf(spec), 'resize.onnx', x, COUNT, cortexTarget(target)!, { optimizations: ['-O2'] }), target);
    }
  }, 120_000);

  it('refuses, naming the node, what Resize does not support', () => {
    const refused = (attrs: NodeSpec['attrs'], roi?: number[]) => () => graphOf(specOf({ name: '', shape: [2, 16], attrs, sizes: [1, 2, 8], roi }));
    expect(refused({ mode: 'area' })).toThrow("node 'resize' (Resize): mode 'area' is not supported (nearest, linear and cubic are)");
    expect(refused({ coordinate_transformation_mode: 'crop' })).toThrow("node 'resize' (Resize): coordinate_transformation_mode 'crop' is not supported");
    expect(refused(CROP)).toThrow("node 'resize' (Resize): tf_crop_and_resize needs the roi input");
    expect(refused(CROP, [0, 1])).toThrow("node 'resize' (Resize): roi must hold 6 values (the starts, then the ends), got 2");
  });
});
