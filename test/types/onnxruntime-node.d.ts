/**
 * onnxruntime-node 1.20 ships its JavaScript without declarations; it re-exports
 * onnxruntime-common (InferenceSession, Tensor, ...), whose declarations are its own.
 */
declare module 'onnxruntime-node' {
  export * from 'onnxruntime-common';
}
