/** The op registry: ONNX op type -> definition. Adding an op means one file and one line here. */
import { fail } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import type { OpDef } from '../op.js';
import { Add } from './add.js';
import { AveragePool } from './average-pool.js';
import { BatchNormalization } from './batch-normalization.js';
import { Cast } from './cast.js';
import { ChannelAffine } from './channel-affine.js';
import { Clip } from './clip.js';
import { Concat } from './concat.js';
import { ConstantOfShape } from './constant-of-shape.js';
import { Conv } from './conv.js';
import { Div } from './div.js';
import { Equal } from './equal.js';
import { Erf } from './erf.js';
import { Expand } from './expand.js';
import { Flatten } from './flatten.js';
import { Gather } from './gather.js';
import { Gemm } from './gemm.js';
import { GlobalAveragePool } from './global-average-pool.js';
import { GlobalMaxPool } from './global-max-pool.js';
import { Identity } from './identity.js';
import { LayerNormalization } from './layer-normalization.js';
import { LeakyRelu } from './leaky-relu.js';
import { MatMul } from './mat-mul.js';
import { MaxPool } from './max-pool.js';
import { Mul } from './mul.js';
import { Neg } from './neg.js';
import { Pad } from './pad.js';
import { Pow } from './pow.js';
import { Reciprocal } from './reciprocal.js';
import { ReduceMean } from './reduce-mean.js';
import { Relu } from './relu.js';
import { Reshape } from './reshape.js';
import { Shape } from './shape.js';
import { Sigmoid } from './sigmoid.js';
import { Slice } from './slice.js';
import { Softmax } from './softmax.js';
import { Sqrt } from './sqrt.js';
import { Squeeze } from './squeeze.js';
import { Sub } from './sub.js';
import { Tanh } from './tanh.js';
import { Transpose } from './transpose.js';
import { Unsqueeze } from './unsqueeze.js';

/** ONNX ops a model may contain (Constant is read by the importer). */
export const ONNX_OPS: Record<string, OpDef> = {
  Add, AveragePool, BatchNormalization, Cast, Clip, Concat, ConstantOfShape, Conv, Div,
  Dropout: Identity, Equal, Erf, Expand, Flatten, Gather, Gemm, GlobalAveragePool,
  GlobalMaxPool, Identity, LayerNormalization, LeakyRelu, MatMul, MaxPool, Mul, Neg, Pad, Pow,
  Reciprocal, ReduceMean, Relu, Reshape, Shape, Sigmoid, Slice, Softmax, Sqrt, Squeeze, Sub,
  Tanh, Transpose, Unsqueeze,
};

/** Ops that ecgc's passes introduce. */
const INTERNAL_OPS: Record<string, OpDef> = { ChannelAffine };

/** Constant is read by the importer; If is inlined when its condition folds to a constant. */
export const SUPPORTED_OPS = [...Object.keys(ONNX_OPS), 'Constant', 'If'].sort();

export function opDef(node: Node): OpDef {
  const def = ONNX_OPS[node.op] ?? INTERNAL_OPS[node.op];
  if (!def) fail(`node '${node.name}' uses op '${node.op}', which ecgc does not support. Supported ops: ${SUPPORTED_OPS.join(', ')}`);
  return def;
}
