/**
 * onnxruntime-node, an outside reference for the reference interpreter (a dev dependency):
 * undefined, with a warning, where it cannot load; under CI=true that is an error.
 */
type Ort = typeof import('onnxruntime-node');

export let ort: Ort | undefined;
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  if (process.env.CI === 'true') throw new Error(`onnxruntime-node is a dev dependency and must load under CI: ${(e as Error).message}`);
  console.warn(`SKIPPING onnxruntime comparisons: onnxruntime-node cannot be loaded (${(e as Error).message})`);
}
