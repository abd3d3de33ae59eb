/**
 * The benchmark's models, built with seeded random weights: a depthwise-separable 1-D CNN
 * of about 40k parameters (ArrhythmiNet-sized) and a 1-D ResNet on 5,120-sample input (the
 * rhythm setup). Their sizes, not their weights, are what the benchmark measures.
 */
import type { ModelSpec, NodeSpec } from '../onnx/build.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

class Builder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: NonNullable<ModelSpec['initializers']> = {};
  private next = random(42);
  private count = 0;

  private weights(shape: number[], scale: number): string {
    const name = `w${this.count++}`;
    const size = shape.reduce((a, b) => a * b, 1);
    this.initializers[name] = { shape, data: Array.from({ length: size }, () => this.next() * scale) };
    return name;
  }

  private output(): string {
    return `t${this.count++}`;
  }

  conv(x: string, cin: number, cout: number, k: number, options: { stride?: number; group?: number; relu?: boolean } = {}): string {
    const group = options.group ?? 1;
    const w = this.weights([cout, cin / group, k], 2 / Math.sqrt((cin / group) * k));
    const b = this.weights([cout], 0.1);
    const y = this.output();
    this.nodes.push({ op: 'Conv', inputs: [x, w, b], outputs: [y], attrs: { kernel_shape: [k], pads: [(k - 1) >> 1, k >> 1], strides: [options.stride ?? 1], group } });
    return options.relu === false ? y : this.relu(y);
  }

  relu(x: string): string {
    const y = this.output();
    this.nodes.push({ op: 'Relu', inputs: [x], outputs: [y] });
    return y;
  }

  add(a: string, b: string): string {
    const y = this.output();
    this.nodes.push({ op: 'Add', inputs: [a, b], outputs: [y] });
    return y;
  }

  head(x: string, channels: number, classes: number): ModelSpec['nodes'] {
    const pooled = this.output();
    const flat = this.output();
    const w = this.weights([classes, channels], 1 / Math.sqrt(channels));
    const b = this.weights([classes], 0.1);
    this.nodes.push({ op: 'GlobalAveragePool', inputs: [x], outputs: [pooled] });
    this.nodes.push({ op: 'Flatten', inputs: [pooled], outputs: [flat] });
    this.nodes.push({ op: 'Gemm', inputs: [flat, w, b], outputs: ['logits'], attrs: { transB: 1 } });
    return this.nodes;
  }
}

/** Stem conv, then depthwise (k=5) + pointwise blocks, global average pool, linear: 41k parameters. */
export function depthwiseSeparableCnn(): ModelSpec {
  const m = new Builder();
  let x = m.conv('input', 1, 32, 7, { stride: 2 });
  let channels = 32;
  for (const [out, stride] of [[64, 1], [96, 2], [96, 1], [96, 2], [112, 1]]) {
    x = m.conv(x, channels, channels, 5, { stride, group: channels });
    x = m.conv(x, channels, out, 1);
    channels = out;
  }
  return { inputs: [{ name: 'input', shape: ['N', 1, 256] }], outputs: ['logits'], initializers: m.initializers, nodes: m.head(x, channels, 5) };
}

/** Stem conv (k=15, stride 2), residual blocks of two k=7 convs with 1x1 stride-2 shortcuts. */
export function resnet1d(): ModelSpec {
  const m = new Builder();
  let x = m.conv('input', 1, 16, 15, { stride: 2 });
  let channels = 16;
  for (const [out, stride] of [[16, 1], [32, 2], [32, 1], [64, 2], [64, 2]]) {
    const h = m.conv(x, channels, out, 7, { stride });
    const y = m.conv(h, out, out, 7, { relu: false });
    const shortcut = stride === 1 && out === channels ? x : m.conv(x, channels, out, 1, { stride, relu: false });
    x = m.relu(m.add(y, shortcut));
    channels = out;
  }
  return { inputs: [{ name: 'input', shape: ['N', 1, 5120] }], outputs: ['logits'], initializers: m.initializers, nodes: m.head(x, channels, 4) };
}
