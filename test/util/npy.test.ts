/** .npy reading and writing: numpy's files read, ours read by numpy. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, readNpyFloat32, writeNpy } from '../../src/util/npy.js';
import { fixturePath } from '../helpers/fixtures.js';
import { PYTHON, numpyAvailable } from '../helpers/tools.js';

const hasNumpy = numpyAvailable('the numpy cross-check');

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('.npy', () => {
  it('reads the float32 arrays numpy wrote for the fixtures', () => {
    dir = mkdtempSync(join(tmpdir(), 'ecgc-npy-'));
    const x = readNpyFloat32(fixturePath('mobilenet1d', 'input.npy'));
    expect(x.shape).toEqual([3, 1, 187]);
    expect(x.data.length).toBe(3 * 187);
  });

  it('round-trips every dtype and pads the header to 64 bytes', () => {
    dir = mkdtempSync(join(tmpdir(), 'ecgc-npy-'));
    for (const data of [Float32Array.of(1.5, -2, 3e-40), Float64Array.of(Math.PI), Int32Array.of(-7, 8), BigInt64Array.of(-1n, 2n ** 40n), Int16Array.of(-300), Uint8Array.of(255)]) {
      const bytes = encodeNpy([data.length], data);
      const headerLength = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLength) % 64).toBe(0);
      const back = parseNpy(bytes, 'x.npy');
      expect(back.shape).toEqual([data.length]);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    }
  });

  it.skipIf(!hasNumpy)('writes files numpy reads with the same shape, dtype and bits', () => {
    dir = mkdtempSync(join(tmpdir(), 'ecgc-npy-'));
    const file = join(dir, 'y.npy');
    const data = Float32Array.of(0.1, -0, 3.4e38, 1e-45, -7.25, 42);
    writeNpy(file, [2, 3], data);
    const out = execFileSync(PYTHON, ['-c', `import numpy as np; a = np.load(${JSON.stringify(file)}); print(a.dtype, a.shape, a.view(np.uint32).ravel().tolist())`], { encoding: 'utf8' });
    const bits = Array.from(new Uint32Array(data.buffer));
    expect(out.trim()).toBe(`float32 (2, 3) [${bits.join(', ')}]`);
    expect(readdirSync(dir)).toEqual(['y.npy']);
  });

  it('rejects what it cannot read with a message naming the file', () => {
    expect(() => parseNpy(new Uint8Array(20), 'a.npy')).toThrow(/a\.npy: not a readable \.npy file \(missing the/);
    const good = encodeNpy([4], Float32Array.of(1, 2, 3, 4));
    expect(() => parseNpy(good.subarray(0, good.length - 3), 'b.npy')).toThrow(/b\.npy: .*data is truncated/);
    const fortran = new TextDecoder('latin1').decode(good).replace("'fortran_order': False", "'fortran_order': True ");
    expect(() => parseNpy(Uint8Array.from(fortran, (c) => c.charCodeAt(0)), 'c.npy')).toThrow(/Fortran order/);
    expect(() => readNpyFloat32('/nonexistent/x.npy')).toThrow(/x\.npy: cannot read \(ENOENT\)/);
    expect(existsSync('/nonexistent')).toBe(false);
  });
});
