/** Reshape with a constant target shape (0 copies the input's dimension unless allowzero, -1 is inferred). */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import { shapeText, sizeOf } from '../ir/graph.js';
import { constantInput, inputShape, where } from './shapes.js';
import type { OpDef } from './op.js';
import { viewOp } from './view.js';

const view = viewOp('Reshape', (ctx) => {
  const input = inputShape(ctx, 0);
  const target = Array.from(constantInput(ctx, 1, 'the target shape').data);
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  const shape = target.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  const inferred = shape.indexOf(-1);
  if (inferred >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== inferred));
    if (known === 0 || sizeOf(input) % known !== 0) fail(`${where(ctx.node)}: cannot reshape ${shapeText(input)} to ${shapeText(target)}`);
    shape[inferred] = sizeOf(input) / known;
  }
  if (shape.some((d) => d === undefined || d < 0) || sizeOf(shape) !== sizeOf(input)) {
    fail(`${where(ctx.node)}: cannot reshape ${shapeText(input)} (${sizeOf(input)} values) to ${shapeText(target)}`);
  }
  return shape;
});

export const Reshape: OpDef = {
  ...view,
  // a constant target [n, ...] that restates the batch becomes [1, ...] (a copy: the constant may be shared)
  rebatch(node, graph, n) {
    const target = graph.constants.get(node.inputs[1]);
    if (!target || target.data[0] !== n) return;
    const data = target.data.slice();
    data[0] = 1;
    const name = `${node.inputs[1]}.batch1`;
    graph.constants.set(name, { ...target, data });
    graph.values.set(name, { dtype: target.dtype, shape: target.shape });
    node.inputs = [node.inputs[0], name, ...node.inputs.slice(2)];
  },
};
