/** A seeded generator so every "random" test case is reproducible. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** float32 values, roughly normal with the given scale. */
export function randomFloats(count: number, seed: number, scale = 1): Float32Array {
  const next = lcg(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() + next() + next() - 1.5) * 2 * scale;
  return out;
}
