/**
 * A dataset on disk: X.npy (float32 [N, C, T]), y.npy (int64 [N]) and meta.json. Written
 * into a temporary directory and renamed into place, so an interrupted run never leaves a
 * directory that looks complete.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fail } from '../errors.js';
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
  howMade: string;
}

export interface Dataset {
  x: Float32Array;
  shape: [number, number, number];
  y: Int32Array;
  meta: DatasetMeta;
}

export function writeDataset(dir: string, dataset: Dataset): void {
  const parent = dirname(dir);
  if (!existsSync(parent)) fail(`${dir}: the parent directory ${parent} does not exist`);
  const temporary = `${dir}.tmp-${process.pid}`;
  rmSync(temporary, { recursive: true, force: true });
  try {
    mkdirSync(temporary);
    writeFileSync(join(temporary, 'X.npy'), encodeNpy(dataset.shape, dataset.x));
    writeFileSync(join(temporary, 'y.npy'), encodeNpy([dataset.y.length], BigInt64Array.from(dataset.y, (v) => BigInt(v))));
    writeFileSync(join(temporary, 'meta.json'), JSON.stringify(dataset.meta, null, 2) + '\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(temporary, dir);
  } catch (e) {
    rmSync(temporary, { recursive: true, force: true });
    fail(`${dir}: cannot write the dataset (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
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
