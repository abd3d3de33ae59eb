/**
 * torch exports the exact GELU as Div(x, sqrt 2) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5): five
 * ops, four intermediate tensors, and a Mul of two run-time inputs that ends a depth-first chain.
 * Where the constants are exactly those (float32) and the intermediates feed nothing else, the
 * five become one Gelu (src/ops/gelu.ts), which computes in the same order: the same bits.
 */
import { Add } from '../../ops/add.js';
import { Div } from '../../ops/div.js';
import { Erf } from '../../ops/erf.js';
import { Gelu, SQRT2_F32 } from '../../ops/gelu.js';
import { Mul } from '../../ops/mul.js';
import { type Graph, type Node, consumersOf } from '../../ir/graph.js';

export function fuseGelu(graph: Graph): Graph {
  const consumers = consumersOf(graph);
  const isScalar = (name: string, value: number) => {
    const t = graph.constants.get(name);
    return t !== undefined && t.data.length === 1 && t.data[0] === value;
  };
  /** The one consumer of `value` (not a graph output) if it is an `op` of `value` and the scalar `constant`, either order. */
  const withConstant = (value: string, op: string, constant: number): Node | undefined => {
    const users = consumers.get(value);
    if (users?.length !== 1 || graph.outputs.includes(value)) return undefined;
    const [user] = users;
    if (user.op !== op || user.inputs.length !== 2) return undefined;
    const [a, b] = user.inputs;
    if (a === value && isScalar(b, constant)) return user;
    return b === value && isScalar(a, constant) ? user : undefined;
  };
  const only = (value: string, op: string): Node | undefined => {
    const users = consumers.get(value);
    return users?.length === 1 && users[0].op === op && !graph.outputs.includes(value) ? users[0] : undefined;
  };

  const removed = new Set<Node>();
  const fused = new Map<Node, Node>();
  for (const div of graph.nodes) {
    if (div.op !== Div.op || !isScalar(div.inputs[1], SQRT2_F32) || graph.constants.has(div.inputs[0])) continue;
    const x = div.inputs[0];
    const erf = only(div.outputs[0], Erf.op);
    const add = erf && withConstant(erf.outputs[0], Add.op, 1);
    const mul = add && only(add.outputs[0], Mul.op); // x * (erf + 1)
    if (!mul || !mul.inputs.includes(x) || mul.inputs[0] === mul.inputs[1]) continue;
    const half = withConstant(mul.outputs[0], Mul.op, 0.5);
    if (!half) continue;
    for (const node of [div, erf!, add, mul, half]) removed.add(node);
    fused.set(div, { name: half.name, op: Gelu.op, inputs: [x], outputs: half.outputs, attrs: {} });
  }
  if (fused.size === 0) return graph;
  // The Gelu takes the Div's place: x is computed before it, and the Mul's consumers come after.
  // (removeUnused drops the intermediates' values and the constants.)
  return { ...graph, nodes: graph.nodes.flatMap((n) => fused.get(n) ?? (removed.has(n) ? [] : [n])) };
}
