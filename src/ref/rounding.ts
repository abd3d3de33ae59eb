/** Results of ONNX's narrower types: an op computes in float32 or with exact integers, then each result is rounded to its type. */
import type { TensorData, ValueInfo } from '../ir/graph.js';
import { resultRounding } from '../ir/formats.js';
import type { Kernel } from '../ops/op.js';

/** `kernel`, then its outputs of narrow types rounded (float16, bfloat16, float8) or wrapped (int8..uint32); `kernel` itself for the others. */
export function roundedKernel(kernel: Kernel, outputs: readonly ValueInfo[]): Kernel {
  const rounding = outputs.map((o) => resultRounding(o.dtype));
  if (rounding.every((r) => r === undefined)) return kernel;
  return (ins: TensorData[], outs: TensorData[]) => {
    kernel(ins, outs);
    rounding.forEach((round, o) => {
      if (!round) return;
      const y = outs[o];
      for (let i = 0; i < y.length; i++) y[i] = round(y[i]);
    });
  };
}
