/**
 * The ECG patch's host side (run with `npx tsx examples/ecg-patch/patch.ts`):
 *   adc <mitdb dir> <record> [seconds] <out.adc>   lead MLII of a MIT-BIH record as an ADC file
 *   decisions <beat.onnx> <rhythm.onnx> <file.adc> [beat-plan.json rhythm-plan.json]
 *                                                  the lines the firmware prints, from the TS twin
 *   qrs <mitdb dir> [record...]                    the detector against the MIT-BIH annotations
 */
import { listRecords } from '../../src/data/mitdb.js';
import { readAnnotations } from '../../src/data/wfdb/index.js';
import { deployed, mitdbAdc, patchDecisions, readAdc, writeAdc } from './pipeline.js';
import { BEAT_CODES, detectQrs, matchBeats } from './qrs.js';

const [command, ...args] = process.argv.slice(2);
if (command === 'adc' && (args.length === 3 || args.length === 4)) {
  const [dir, record] = args;
  writeAdc(args[args.length - 1], mitdbAdc(dir, record, args.length === 4 ? Number(args[2]) : undefined));
} else if (command === 'decisions' && (args.length === 3 || args.length === 5)) {
  const [beat, rhythm, adc, beatPlan, rhythmPlan] = args;
  console.log(patchDecisions(deployed(beat, 'beat', beatPlan), deployed(rhythm, 'rhythm', rhythmPlan), readAdc(adc)).lines.join('\n'));
} else if (command === 'qrs' && args.length >= 1) {
  const [dir, ...records] = args;
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (const name of records.length ? records : listRecords(dir)) {
    const m = matchBeats(detectQrs(mitdbAdc(dir, name).samples), readAnnotations(dir, name).filter((a) => BEAT_CODES.has(a.code)).map((a) => a.sample));
    tp += m.truePositives;
    fn += m.falseNegatives;
    fp += m.falsePositives;
    console.log(`${name}: sensitivity ${(100 * m.sensitivity).toFixed(2)}%, positive predictivity ${(100 * m.positivePredictivity).toFixed(2)}% (FN ${m.falseNegatives}, FP ${m.falsePositives})`);
  }
  console.log(`all: sensitivity ${((100 * tp) / (tp + fn)).toFixed(2)}%, positive predictivity ${((100 * tp) / (tp + fp)).toFixed(2)}% (${tp} of ${tp + fn} beats; FN ${fn}, FP ${fp})`);
} else {
  console.error('usage: patch.ts adc <mitdb dir> <record> [seconds] <out.adc> | decisions <beat.onnx> <rhythm.onnx> <file.adc> [beat-plan.json rhythm-plan.json] | qrs <mitdb dir> [record...]');
  process.exit(1);
}
