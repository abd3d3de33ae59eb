/**
 * A dataset on disk: X.npy (float32 [N, C, T]), y.npy (int64 [N]) and meta.json, and for
 * models with further inputs (a beat's RR intervals beside its window) one <name>.npy
 * (float32 [N, ...]) each, named in meta.json's `inputs`. Written
 * whole through a temporary directory (writeDirectoryAtomic), so an interrupted run never
 * leaves a directory that looks complete.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { type OwnedBy, writeDirectoryAtomic } from '../util/files.js';
import { encodeNpy, readNpy, readNpyFloat32 } from '../util/npy.js';
import type { Preprocessing } from './preprocess.js';

export const DATASET_SCHEMA = 'ecgc.dataset/1';

export interface DatasetMeta {
  schema: typeof DATASET_SCHEMA;
  task: string;
  split: string;
  classes: string[];
  samplingRate: number;
  /** Window length in samples and, for beats, where the R peak sits in it. */
  window: { samples: number; rPeakAt?: number; seconds: number };
  leads: string[];
  preprocessing: Preprocessing;
  records: string[];
  counts: Record<string, number>;
  source: string;
  /** Further inputs beside the windows, in the order a model takes them after its first. */
  inputs?: { name: string; shape: number[]; description: string }[];
  /** Electrode noise added to every window (`ecgc data --noise --snr`), when any. */
  noise?: { record: string; snrDb: number };
  howMade: string;
}

export interface Dataset {
  x: Float32Array;
  shape: [number, number, number];
  y: Int32Array;
  meta: DatasetMeta;
  /** The further inputs' values, as meta.inputs lists them ([N, ...shape] each). */
  more?: Float32Array[];
}

/** A further input's name: its file's name and the model input it feeds. */
export const INPUT_NAME = /^[a-z][a-z0-9_]*$/;

/** With `force`, a directory holding only a dataset's files (.npy arrays and meta.json) is replaced. */
export const ownedByDataset: OwnedBy = (file) => file === 'meta.json' || file.endsWith('.npy');

export function writeDataset(dir: string, dataset: Dataset, force = false): void {
  const files = new Map<string, Uint8Array | string>([
    ['X.npy', encodeNpy(dataset.shape, dataset.x)],
    ['y.npy', encodeNpy([dataset.y.length], BigInt64Array.from(dataset.y, (v) => BigInt(v)))],
    ['meta.json', JSON.stringify(dataset.meta, null, 2) + '\n'],
  ]);
  const n = dataset.shape[0];
  (dataset.meta.inputs ?? []).forEach((input, i) => {
    if (!INPUT_NAME.test(input.name) || ['X', 'y', 'meta'].includes(input.name)) throw new Error(`internal: input name '${input.name}'`);
    files.set(`${input.name}.npy`, encodeNpy([n, ...input.shape], dataset.more![i]));
  });
  writeDirectoryAtomic(dir, files, force, ownedByDataset);
}

export function readDataset(dir: string): Dataset {
  const metaFile = join(dir, 'meta.json');
  if (!existsSync(metaFile)) fail(`${dir}: not a dataset directory (no meta.json; make one with 'ecgc data')`);
  let meta: DatasetMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch (e) {
    fail(`${metaFile}: not valid JSON (${(e as Error).message})`);
  }
  if (meta.schema !== DATASET_SCHEMA) fail(`${metaFile}: schema '${meta.schema}' is not ${DATASET_SCHEMA}`);
  const x = readNpyFloat32(join(dir, 'X.npy'));
  if (x.shape.length !== 3) fail(`${join(dir, 'X.npy')}: expected shape [N, C, T], got [${x.shape.join(', ')}]`);
  const labels = readNpy(join(dir, 'y.npy'));
  if (labels.shape.length !== 1 || labels.shape[0] !== x.shape[0]) fail(`${join(dir, 'y.npy')}: expected shape [${x.shape[0]}], got [${labels.shape.join(', ')}]`);
  const y = Int32Array.from(labels.data as ArrayLike<number | bigint>, (v) => Number(v));
  if (meta.classes.length === 0) {
    if (y.some((v) => v !== -1)) fail(`${join(dir, 'y.npy')}: an unlabelled dataset (no classes) has every label -1`);
  } else if (y.some((v) => v < 0 || v >= meta.classes.length)) fail(`${join(dir, 'y.npy')}: labels must lie in [0, ${meta.classes.length})`);
  const more = (meta.inputs ?? []).map((input) => {
    const file = join(dir, `${input.name}.npy`);
    if (!INPUT_NAME.test(input.name) || !Array.isArray(input.shape)) fail(`${metaFile}: input '${input.name}' is not a valid further input (a lower-case name and a shape)`);
    const array = readNpyFloat32(file);
    if (array.shape.join() !== [x.shape[0], ...input.shape].join()) fail(`${file}: expected shape [${[x.shape[0], ...input.shape].join(', ')}], got [${array.shape.join(', ')}]`);
    return array.data;
  });
  return { x: x.data, shape: x.shape as [number, number, number], y, meta, ...(more.length > 0 ? { more } : {}) };
}
