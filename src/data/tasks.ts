/** The dataset tasks `ecgc data` builds, by name. */
import { fail } from '../errors.js';
import { BEAT_SPLITS, buildBeatDataset } from './beats.js';
import { CINC2017_SPLITS, buildCinc2017Dataset } from './cinc2017.js';
import { buildCpscDataset } from './cpsc.js';
import type { Dataset } from './dataset.js';
import { RHYTHM_SPLITS, buildRhythmDataset } from './rhythm.js';
import { UNLABELLED_SPLITS, buildUnlabelledDataset } from './unlabelled.js';

/** Per task: its splits, its builder, and the folder of ../shared/data it is made from (`folder`; any of them for `unlabelled`). */
export const TASKS: Record<string, { splits: string[]; folder?: string; build: (source: string, split: string) => Dataset }> = {
  'beats-nlrav': { splits: BEAT_SPLITS['beats-nlrav'], folder: 'mitdb', build: (s, split) => buildBeatDataset(s, 'beats-nlrav', split) },
  'beats-aami': { splits: BEAT_SPLITS['beats-aami'], folder: 'mitdb', build: (s, split) => buildBeatDataset(s, 'beats-aami', split) },
  rhythm: { splits: RHYTHM_SPLITS, folder: 'mitdb', build: (s, split) => buildRhythmDataset(s, split, 'rhythm') },
  'rhythm-stream': { splits: RHYTHM_SPLITS, folder: 'mitdb', build: (s, split) => buildRhythmDataset(s, split, 'rhythm-stream') },
  cpsc2018: { splits: ['all'], folder: 'cpsc2018', build: buildCpscDataset },
  cinc2017: { splits: CINC2017_SPLITS, folder: 'cinc2017', build: buildCinc2017Dataset },
  unlabelled: { splits: UNLABELLED_SPLITS, build: buildUnlabelledDataset },
};

export function buildDataset(source: string, taskName: string, split: string): Dataset {
  const task = TASKS[taskName] ?? fail(`unknown task '${taskName}'; tasks: ${Object.keys(TASKS).join(', ')}`);
  if (!task.splits.includes(split)) fail(`task ${taskName} has splits ${task.splits.join(', ')}; got '${split}'`);
  return task.build(source, split);
}
