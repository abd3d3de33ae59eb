/**
 * The beat model with the detector in the loop, scored the EC57 way: every annotated beat of a
 * record is matched to the nearest R peak the firmware's twin detected within 150 ms (each peak
 * once). An AAMI-class beat the detector missed counts against its class's sensitivity; a peak
 * that matches no annotated beat (an extra detection) against the positive predictivity of the
 * class the model gave it. Beats of no AAMI class (B, r, n, ?) are matched but not scored.
 */
import { BEAT_TASKS } from '../../src/data/beats.js';
import { readAnnotations } from '../../src/data/wfdb/index.js';
import { type PatchModel, mitdbAdc, patchDecisions } from './pipeline.js';
import { BEAT_CODES } from './qrs.js';

const TOLERANCE = 54; // 150 ms at 360 Hz

export interface DetectedBeatFigures {
  classes: string[];
  /** Rows: the annotated class, then 'extra' (detections matching no beat); columns: the model's class, then 'missed'. */
  confusion: number[][];
  perClass: { name: string; sensitivity: number; positivePredictivity: number; beats: number }[];
  /** Scored beats the model got right, of all AAMI-class beats (missed ones included). */
  accuracy: number;
  detector: { beats: number; missed: number; extra: number };
}

/** The figures of `beat` on MIT-BIH `records` of `dir`, detected beats in, the twin's decisions out. */
export async function detectedBeatFigures(beat: PatchModel, dir: string, records: string[]): Promise<DetectedBeatFigures> {
  const { classes, classOf } = BEAT_TASKS['beats-aami'];
  if (beat.classes.join() !== classes.join()) throw new Error(`the beat model classifies ${beat.classes.join(', ')}, not the AAMI classes ${classes.join(', ')}`);
  const k = classes.length;
  const confusion = Array.from({ length: k + 1 }, () => new Array<number>(k + 1).fill(0));
  let [beats, missed, extra] = [0, 0, 0];
  for (const record of records) {
    await new Promise((resolve) => setImmediate(resolve)); // a record is seconds of work: let the event loop in between
    const detected = patchDecisions(beat, undefined, mitdbAdc(dir, record)).beats;
    const used = new Uint8Array(detected.length);
    let j = 0;
    for (const annotation of readAnnotations(dir, record).filter((a) => BEAT_CODES.has(a.code))) {
      beats++;
      while (j < detected.length && detected[j].r < annotation.sample - TOLERANCE) j++;
      let best = -1;
      for (let m = j; m < detected.length && detected[m].r <= annotation.sample + TOLERANCE; m++) {
        if (!used[m] && (best < 0 || Math.abs(detected[m].r - annotation.sample) < Math.abs(detected[best].r - annotation.sample))) best = m;
      }
      if (best >= 0) used[best] = 1;
      else missed++;
      const truth = classOf[annotation.code];
      if (truth !== undefined) confusion[truth][best >= 0 ? detected[best].label : k]++;
    }
    detected.forEach((d, m) => {
      if (!used[m]) {
        extra++;
        confusion[k][d.label]++;
      }
    });
  }
  const perClass = classes.map((name, c) => {
    const row = confusion[c].reduce((a, b) => a + b, 0);
    const column = confusion.reduce((sum, r) => sum + r[c], 0);
    return { name, sensitivity: row ? confusion[c][c] / row : 0, positivePredictivity: column ? confusion[c][c] / column : 0, beats: row };
  });
  const scored = perClass.reduce((sum, c) => sum + c.beats, 0);
  const right = classes.reduce((sum, _, c) => sum + confusion[c][c], 0);
  return { classes, confusion, perClass, accuracy: right / scored, detector: { beats, missed, extra } };
}
