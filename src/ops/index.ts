/** The op registry: every definition, by op type. Adding an op means its file and one entry here. */
import { fail } from '../errors.js';
import type { Node } from '../ir/graph.js';
import { IMPORTER_OPS } from '../onnx/import.js';
import type { OpDef } from './op.js';
import { Abs } from './abs.js';
import { Add } from './add.js';
import { And } from './and.js';
import { ArgMax } from './arg-max.js';
import { ArgMin } from './arg-min.js';
import { AveragePool } from './average-pool.js';
import { BatchNormalization } from './batch-normalization.js';
import { Cast } from './cast.js';
import { Ceil } from './ceil.js';
import { ChannelAffine } from './channel-affine.js';
import { Clip } from './clip.js';
import { Concat } from './concat.js';
import { ConstantOfShape } from './constant-of-shape.js';
import { Conv } from './conv.js';
import { ConvTranspose } from './conv-transpose.js';
import { Div } from './div.js';
import { Dropout } from './dropout.js';
import { Elu } from './elu.js';
import { Equal } from './equal.js';
import { Erf } from './erf.js';
import { Exp } from './exp.js';
import { Expand } from './expand.js';
import { Flatten } from './flatten.js';
import { Floor } from './floor.js';
import { Gather } from './gather.js';
import { Gelu } from './gelu.js';
import { GatherElements } from './gather-elements.js';
import { Gemm } from './gemm.js';
import { GRU } from './gru.js';
import { GlobalAveragePool } from './global-average-pool.js';
import { GlobalMaxPool } from './global-max-pool.js';
import { Greater } from './greater.js';
import { GreaterOrEqual } from './greater-or-equal.js';
import { HardSigmoid } from './hard-sigmoid.js';
import { HardSwish } from './hard-swish.js';
import { Identity } from './identity.js';
import { If } from './if.js';
import { InstanceNormalization } from './instance-normalization.js';
import { LayerNormalization } from './layer-normalization.js';
import { LeakyRelu } from './leaky-relu.js';
import { LessOrEqual } from './less-or-equal.js';
import { Less } from './less.js';
import { Log } from './log.js';
import { LpPool } from './lp-pool.js';
import { LSTM } from './lstm.js';
import { MatMul } from './mat-mul.js';
import { Max } from './max.js';
import { MaxPool } from './max-pool.js';
import { Mean } from './mean.js';
import { Min } from './min.js';
import { Mul } from './mul.js';
import { Neg } from './neg.js';
import { Not } from './not.js';
import { Or } from './or.js';
import { PRelu } from './p-relu.js';
import { Pad } from './pad.js';
import { Pow } from './pow.js';
import { Reciprocal } from './reciprocal.js';
import { ReduceL1 } from './reduce-l1.js';
import { ReduceL2 } from './reduce-l2.js';
import { ReduceLogSumExp } from './reduce-log-sum-exp.js';
import { ReduceMax } from './reduce-max.js';
import { ReduceMean } from './reduce-mean.js';
import { ReduceMin } from './reduce-min.js';
import { ReduceProd } from './reduce-prod.js';
import { ReduceSum } from './reduce-sum.js';
import { ReduceSumSquare } from './reduce-sum-square.js';
import { Relu } from './relu.js';
import { Reshape } from './reshape.js';
import { Resize } from './resize.js';
import { RNN } from './rnn.js';
import { Round } from './round.js';
import { Selu } from './selu.js';
import { Shape } from './shape.js';
import { Sigmoid } from './sigmoid.js';
import { Sign } from './sign.js';
import { Slice } from './slice.js';
import { Softmax } from './softmax.js';
import { Softplus } from './softplus.js';
import { Softsign } from './softsign.js';
import { Split } from './split.js';
import { Sqrt } from './sqrt.js';
import { Squeeze } from './squeeze.js';
import { Sub } from './sub.js';
import { Sum } from './sum.js';
import { QuantizeLinear } from './quantize-linear.js';
import { DequantizeLinear } from './dequantize-linear.js';
import { ConvInteger } from './conv-integer.js';
import { MatMulInteger } from './mat-mul-integer.js';
import { QLinearConv } from './q-linear-conv.js';
import { QLinearMatMul } from './q-linear-mat-mul.js';
import { Tanh } from './tanh.js';
import { Tile } from './tile.js';
import { Transpose } from './transpose.js';
import { Unsqueeze } from './unsqueeze.js';
import { Where } from './where.js';
import { Xor } from './xor.js';
import { AddS8 } from './add-s8.js';
import { AveragePoolS8 } from './average-pool-s8.js';
import { ConcatS8 } from './concat-s8.js';
import { ConvS8 } from './conv-s8.js';
import { DequantizeS8 } from './dequantize-s8.js';
import { GlobalAveragePoolS8 } from './global-average-pool-s8.js';
import { LinearS8 } from './linear-s8.js';
import { QuantizeS8 } from './quantize-s8.js';
import { MaxPoolS8 } from './max-pool-s8.js';
import { MulS8 } from './mul-s8.js';
import { TableS8 } from './table-s8.js';

/** Every op's definition: the one list of ops. */
const DEFINITIONS: OpDef[] = [
  Abs, Add, And, ArgMax, ArgMin, AveragePool, BatchNormalization, Cast, Ceil, ChannelAffine, Clip, Concat,
  ConstantOfShape, Conv, ConvInteger, ConvTranspose, DequantizeLinear, Div, Dropout, Elu, Equal, Erf, Exp, Expand, Flatten, Floor, Gather,
  GatherElements, Gelu, Gemm, GlobalAveragePool, GlobalMaxPool, Greater, GreaterOrEqual, GRU, HardSigmoid, HardSwish,
  Identity, If, InstanceNormalization, LayerNormalization, LeakyRelu, Less, LessOrEqual, Log, LpPool, LSTM, MatMul,
  MatMulInteger, Max, MaxPool, Mean, Min, Mul, Neg, Not, Or, Pad, Pow, PRelu, QLinearConv, QLinearMatMul, QuantizeLinear, Reciprocal, ReduceL1, ReduceL2, ReduceLogSumExp,
  ReduceMax, ReduceMean, ReduceMin, ReduceProd, ReduceSum, ReduceSumSquare, Relu, Reshape, Resize, RNN, Round, Selu,
  Shape, Sigmoid, Sign, Slice, Softmax, Softplus, Softsign, Split, Sqrt, Squeeze, Sub, Sum, Tanh, Tile, Transpose,
  Unsqueeze, Where, Xor,
  // the integer mode's (src/quant/integer-graph.ts)
  AddS8, AveragePoolS8, ConcatS8, ConvS8, DequantizeS8, GlobalAveragePoolS8, LinearS8, MaxPoolS8, MulS8, QuantizeS8, TableS8,
];

const BY_NAME = new Map(DEFINITIONS.map((def) => [def.op, def]));

/** The ops a model file may contain (the importer reads Constant nodes itself). */
export const SUPPORTED_OPS = [...DEFINITIONS.filter((def) => !def.internal).map((def) => def.op), ...IMPORTER_OPS].sort();

/** The ops the C backend compiles: those with a C lowering, and views. */
export const C_OPS = DEFINITIONS.filter((def) => def.lower || def.view).map((def) => def.op).sort();

/** The ops whose output holds probabilities when they end a graph. */
export const PROBABILITY_OPS = DEFINITIONS.filter((def) => def.outputMeaning?.probabilities).map((def) => def.op).sort();

/** The ops whose int64 indices may be computed at run time. */
export const INDEX_OPS = DEFINITIONS.filter((def) => def.computesIndices).map((def) => def.op).sort();

export function opDef(node: Node): OpDef {
  const def = BY_NAME.get(node.op);
  if (!def) fail(`node '${node.name}' uses op '${node.op}', which ecgc does not support. Supported ops: ${SUPPORTED_OPS.join(', ')}`);
  return def;
}
