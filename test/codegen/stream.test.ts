/**
 * The depth-first schedule's plan, by hand: which nodes form a chain (stages from their
 * definitions' stream roles, element-wise ops after a stage, a closing reduction), and the
 * scratch a chain needs (ecgc_stream_f32_get_buffer_size's layout, in 4-byte words;
 * ecgc_stream_s8_get_buffer_size's, in bytes). The C twins of the scratch figures are checked
 * in buffer-size.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { findStreamChains, streamBlocks, streamS8ScratchBytes, streamScratchBytes } from '../../src/codegen/stream.js';
import type { StreamStage } from '../../src/ops/lowering.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';

const stage = (s: Partial<StreamStage>): StreamStage => ({ id: 's', inChannels: 1, outChannels: 1, kernel: 1, dilation: 1, stride: 1, rowLength: 1, packed: false, sparse: false, ...s });
const unblocked = (stages: StreamStage[]) => streamScratchBytes(stages, streamBlocks(stages, 1));

describe('streamScratchBytes', () => {
  it('two float32 stages: 3 -> 8 channels, k 5; 8 -> 4, k 3 dilation 2', () => {
    const stages = [stage({ inChannels: 3, outChannels: 8, kernel: 5, rowLength: 15 }), stage({ inChannels: 8, outChannels: 4, kernel: 3, dilation: 2, rowLength: 24 })];
    // layout 28 + 2 states of 24; words: hand-offs 2 x max(4, 3, 8) = 16, window 24, no decoded row,
    // no positions, 5 tap columns, no outbox, rings (5-1)*1*3 + (3-1)*2*8 = 12 + 32 = 44
    expect(unblocked(stages)).toBe(28 + 48 + 4 * (16 + 24 + 5 + 44));
    // float32 weights have nothing to decode: asked for blocks of 8, they stay unblocked
    expect(streamBlocks(stages, 8)).toEqual([1, 1]);
  });

  it('a packed sparse pointwise stage adds a decoded row and positions, but no ring or window', () => {
    const dense = [stage({ inChannels: 6, outChannels: 6, kernel: 3, rowLength: 18 }), stage({ inChannels: 6, outChannels: 10, rowLength: 6 })];
    const packed = [dense[0], { ...dense[1], packed: true, sparse: true }];
    // the widest decoded row and positions: 6 words each (the pointwise stage's row)
    expect(unblocked(packed) - unblocked(dense)).toBe(4 * (6 + 6));
    // hand-offs 2 x max(10 out, 6 in) = 20; window 18; 3 tap columns; ring (3-1) x 6 = 12
    expect(unblocked(dense)).toBe(28 + 48 + 4 * (20 + 18 + 3 + 12));
  });

  it('a packed stage in blocks of 4: a window and tap columns per column, an outbox, and (4-1) x stride more ring columns', () => {
    const stages = [stage({ inChannels: 1, outChannels: 8, kernel: 9, stride: 3, rowLength: 9 }), stage({ inChannels: 8, outChannels: 12, kernel: 7, stride: 3, rowLength: 56, packed: true })];
    const blocks = streamBlocks(stages, 4);
    expect(blocks).toEqual([1, 4]);
    // hand-offs 2 x max(12, 8) = 24; window max(9, 4 x 56) = 224; tap columns max(9, 4 x 7) = 28; decoded row 56;
    // outbox 4 x 12 = 48; rings (9-1) x 1 + ((7-1) + (4-1) x 3) x 8 = 8 + 120
    expect(streamScratchBytes(stages, blocks)).toBe(28 + 48 + 4 * (24 + 224 + 28 + 56 + 48 + 128));
  });
});

describe('streamS8ScratchBytes', () => {
  it('two int8 stages in blocks of 4, closed by a mean: rows of (4-1) x stride + (k-1) x dilation + 1, outboxes of 4 columns', () => {
    const stages = [
      stage({ inChannels: 1, outChannels: 8, kernel: 7, stride: 2, rowLength: 7, packed: true, s8: { width: 1, spanBytes: 301 } }),
      stage({ inChannels: 8, outChannels: 16, kernel: 5, stride: 2, rowLength: 40, packed: true, s8: { width: 8, spanBytes: 650 } }),
    ];
    const blocks = streamBlocks(stages, 4);
    expect(blocks).toEqual([4, 4]);
    // layout 8 + 2 states of 24; the widest span scratch 652 (650 rounded up to 4); 16 int32 sums;
    // stage 0: rows 3 x 2 + 6 + 1 = 13 of 1 byte, + 4 -> 20, outbox 8 x 4 = 32;
    // stage 1: rows 3 x 2 + 4 + 1 = 11 of 8 bytes, + 4 -> 92, outbox 16 x 4 = 64
    expect(streamS8ScratchBytes(stages, blocks, 16)).toBe(8 + 48 + 652 + 64 + 20 + 32 + 92 + 64);
    // unblocked, without the mean: rows 7 -> 12 bytes and 5 x 8 + 4 = 44, outboxes 8 and 16
    expect(streamS8ScratchBytes(stages, [1, 1], 0)).toBe(8 + 48 + 652 + 12 + 8 + 44 + 16);
  });
});

describe('findStreamChains', () => {
  const graph = graphOf({
    inputs: [{ name: 'x', shape: ['N', 2, 40] }],
    outputs: ['y'],
    initializers: {
      w0: { shape: [4, 2, 3], data: randomFloats(24, 1) },
      w1: { shape: [4, 4, 3], data: randomFloats(48, 2) },
      w2: { shape: [3, 4, 1], data: randomFloats(12, 3) },
      lo: { shape: [], data: [0] }, hi: { shape: [], data: [6] },
    },
    nodes: [
      { name: 'c0', op: 'Conv', inputs: ['x', 'w0'], outputs: ['a'], attrs: { kernel_shape: [3], pads: [1, 1] } },
      { name: 'r0', op: 'Relu', inputs: ['a'], outputs: ['b'] },
      { name: 'c1', op: 'Conv', inputs: ['b', 'w1'], outputs: ['c'], attrs: { kernel_shape: [3] } },
      { name: 'k1', op: 'Clip', inputs: ['c', 'lo', 'hi'], outputs: ['d'] },
      { name: 'c2', op: 'Conv', inputs: ['d', 'w2'], outputs: ['e'], attrs: { kernel_shape: [1] } },
      { name: 'p', op: 'GlobalMaxPool', inputs: ['e'], outputs: ['f'] },
      { name: 's', op: 'Softmax', inputs: ['f'], outputs: ['y'], attrs: { axis: 1 } },
    ],
  });

  it('takes three stages, their element-wise ops and the closing pool; leaves the softmax out', () => {
    const [chain, ...others] = findStreamChains(graph);
    expect(others).toEqual([]);
    expect(chain.stages.map((s) => [s.conv.name, s.post.map((p) => p.name)])).toEqual([['c0', ['r0']], ['c1', ['k1']], ['c2', []]]);
    expect(chain.reduce?.name).toBe('p');
    expect([chain.input, chain.output]).toEqual(['x', 'f']);
  });

  it('needs two stages: a value read twice ends the chain before it', () => {
    const branched = { ...graph, outputs: ['y', 'b'] }; // b is a graph output: c0's chain cannot take c1
    expect(findStreamChains(branched).map((c) => c.stages.map((s) => s.conv.name))).toEqual([['c1', 'c2']]);
  });
});
