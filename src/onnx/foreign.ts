/**
 * Model files of other frameworks, recognised by their first bytes (or name), so that a user
 * who passes one hears what it is and how to export ONNX from it, not that protobuf failed.
 */
import { basename, dirname } from 'node:path';

const TF2ONNX = 'python -m tf2onnx.convert';

/** What the file is when it is a known non-ONNX model format, with the way to export ONNX from it; else undefined. */
export function foreignModelFormat(bytes: Uint8Array, file: string): string | undefined {
  const text = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  if (text(0, 4) === 'PK\x03\x04') {
    const names = Buffer.from(bytes).toString('latin1'); // a zip stores its entry names in plain text
    if (names.includes('data.pkl')) return pytorch('a PyTorch checkpoint (torch.save zip)');
    if (names.includes('config.json') && names.includes('.weights.h5')) return `this is a Keras model (.keras), not ONNX: convert it with tf2onnx (tf2onnx.convert.from_keras(model, output_path='model.onnx'))`;
    return 'this is a zip archive, not an ONNX model';
  }
  // torch.save before PyTorch 1.6: a pickle stream (PROTO opcode 0x80, protocol 2..5)
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return pytorch('a PyTorch checkpoint (pickle)');
  if (text(0, 8) === '\x89HDF\r\n\x1a\n') return `this is a Keras / HDF5 file, not ONNX: convert it with tf2onnx (${TF2ONNX} --keras ${file} --output model.onnx)`;
  if (text(4, 8) === 'TFL3') return `this is a TensorFlow Lite model, not ONNX: convert it with tf2onnx (${TF2ONNX} --tflite ${file} --output model.onnx)`;
  if (basename(file) === 'saved_model.pb') return savedModel(dirname(file));
  return undefined;
}

/** The message for a TensorFlow SavedModel directory (it holds saved_model.pb). */
export function savedModel(dir: string): string {
  return `this is a TensorFlow SavedModel, not ONNX: convert it with tf2onnx (${TF2ONNX} --saved-model ${dir} --output model.onnx)`;
}

function pytorch(what: string): string {
  return `this is ${what}, not ONNX: export it with torch.onnx.export(model, example_input, 'model.onnx') (example_input: one window, e.g. torch.zeros(1, channels, samples))`;
}
