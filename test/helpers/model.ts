/** Hand-built models loaded through the real import path (bytes -> import -> passes). */
import type { Graph } from '../../src/ir/graph.js';
import { optimize } from '../../src/model/load.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { importModel } from '../../src/onnx/import.js';

export function graphOf(spec: ModelSpec): Graph {
  return optimize(importModel(buildModel(spec), 'test.onnx'));
}
