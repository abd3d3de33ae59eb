/**
 * A dataset on disk: X.npy (float32 [N, C, T]), y.npy (int64 [N]) and meta.json. Written
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
  /** Electrode noise added to every window (`ecgc data --noise --snr`), when any. */
  noise?: { record: string; snrDb: number };
  howMade: string;
}

export interface Dataset {
  x: Float32Array;
  shape: [number, number, number];
  y: Int32Array;
  meta: DatasetMeta;
}

/** With `force`, a directory holding only a dataset's files (X.npy, y.npy, meta.json) is replaced. */
export const ownedByDataset: OwnedBy = (file) => ['X.npy', 'y.npy', 'meta.json'].includes(file);

export function writeDataset(dir: string, dataset: Dataset, force = false): void {
  const files = new Map<string, Uint8Array | string>([
    ['X.npy', encodeNpy(dataset.shape, dataset.x)],
    ['y.npy', encodeNpy([dataset.y.length], BigInt64Array.from(dataset.y, (v) => BigInt(v)))],
    ['meta.json', JSON.stringify(dataset.meta, null, 2) + '\n'],
  ]);
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
  if (y.some((v) => v < 0 || v >= meta.classes.length)) fail(`${join(dir, 'y.npy')}: labels must lie in [0, ${meta.classes.length})`);
  return { x: x.data, shape: x.shape as [number, number, number], y, meta };
}
