/** Model files of other frameworks (src/onnx/foreign.ts): what they are and how to export ONNX, in one line. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ecgc, expectOneLine } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-foreign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Tiny files with each format's real first bytes. */
const FILES: { name: string; bytes: Buffer; message: RegExp }[] = [
  // torch.save since 1.6: a zip whose entries are <name>/data.pkl, <name>/data/0, ...
  { name: 'model.pt', bytes: Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(26), Buffer.from('model/data.pklxxxx', 'latin1')]), message: /this is a PyTorch checkpoint \(torch\.save zip\), not ONNX: export it with torch\.onnx\.export\(model, example_input, 'model\.onnx'\)/ },
  // torch.save before 1.6 (and _use_new_zipfile_serialization=False): a pickle, protocol 2
  { name: 'legacy.pth', bytes: Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46]), message: /this is a PyTorch checkpoint \(pickle\), not ONNX: export it with torch\.onnx\.export/ },
  { name: 'model.h5', bytes: Buffer.from('\x89HDF\r\n\x1a\n\x00\x00\x00\x00', 'latin1'), message: /this is a Keras \/ HDF5 file, not ONNX: convert it with tf2onnx \(python -m tf2onnx\.convert --keras .*model\.h5/ },
  { name: 'model.tflite', bytes: Buffer.from('\x1c\x00\x00\x00TFL3\x00\x00', 'latin1'), message: /this is a TensorFlow Lite model, not ONNX: convert it with tf2onnx \(python -m tf2onnx\.convert --tflite/ },
  { name: 'archive.zip', bytes: Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(26), Buffer.from('notes.txt', 'latin1')]), message: /this is a zip archive, not an ONNX model/ },
];

describe('a model file that is not ONNX', () => {
  for (const { name, bytes, message } of FILES) {
    it(`${name}: says what it is and how to export ONNX, exit 1`, async () => {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const result = await ecgc(['inspect', file]);
      expectOneLine(result, message);
      expect(result.stderr).not.toMatch(/protobuf/);
    });
  }

  it('a TensorFlow SavedModel directory: the same, through compile too', async () => {
    const saved = join(dir, 'saved');
    mkdirSync(saved);
    writeFileSync(join(saved, 'saved_model.pb'), Buffer.from([0x08, 0x01]));
    const result = await ecgc(['compile', saved, '--target', 'host', '--out', join(dir, 'out')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/saved: this is a TensorFlow SavedModel, not ONNX: convert it with tf2onnx \(python -m tf2onnx\.convert --saved-model .*saved --output model\.onnx\)/);
  });
});
