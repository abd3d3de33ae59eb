/**
 * The ECG patch's host side (run with `npx tsx examples/ecg-patch/patch.ts`):
 *   adc <dir> <record> [seconds] <out.adc>         lead MLII of a MIT-BIH record, or a CinC 2017 record
 *                                                  resampled to 360 Hz, as an ADC file
 *   decisions <beat.onnx> <rhythm.onnx> <file.adc> [beat-plan.json rhythm-plan.json]
 *                                                  the lines the firmware prints, from the TS twin
 *   qrs <mitdb dir> [record...]                    the detector against the MIT-BIH annotations
 *   ec57 <beat.onnx> <beat-plan.json|-> <mitdb dir> [record...]
 *                                                  the beat model with the detector in the loop (JSON;
 *                                                  records: DS2 by default)
 *   budget <firmware.elf> <opt> <beat-block> <rhythm-block> <beat.onnx> <rhythm.onnx> <beat-plan.json|-> <rhythm-plan.json|->
 *                                                  one JSON line: the linked image's flash and RAM, the
 *                                                  models' instructions per beat and per second of ECG
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DS2 } from '../../src/data/beats.js';
import { listRecords } from '../../src/data/mitdb.js';
import { modelData } from '../../src/data/model-data.js';
import { loadModel } from '../../src/model/load.js';
import { readAnnotations } from '../../src/data/wfdb/index.js';
import { detectedBeatFigures } from './ec57.js';
import { cincAdc, deployed, mitdbAdc, patchDecisions, readAdc, writeAdc } from './pipeline.js';
import { BEAT_CODES, detectQrs, matchBeats } from './qrs.js';

const [command, ...args] = process.argv.slice(2);
if (command === 'adc' && (args.length === 3 || args.length === 4)) {
  const [dir, record] = args;
  const read = existsSync(join(dir, `${record}.mat`)) ? cincAdc : mitdbAdc;
  writeAdc(args[args.length - 1], read(dir, record, args.length === 4 ? Number(args[2]) : undefined));
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
} else if (command === 'ec57' && args.length >= 3) {
  const [beat, plan, dir, ...records] = args;
  console.log(JSON.stringify(await detectedBeatFigures(deployed(beat, 'beat', plan === '-' ? undefined : plan), dir, records.length ? records : DS2), null, 2));
} else if (command === 'budget' && args.length === 8) {
  const [elf, opt, beatBlock, rhythmBlock, beat, rhythm, beatPlan, rhythmPlan] = args;
  const plan = (file: string) => (file === '-' ? undefined : file);
  console.log(JSON.stringify(budget(elf, opt, [beat, plan(beatPlan), beatBlock], [rhythm, plan(rhythmPlan), rhythmBlock])));
} else {
  console.error('usage: patch.ts adc <mitdb or cinc2017 dir> <record> [seconds] <out.adc> | decisions <beat.onnx> <rhythm.onnx> <file.adc> [beat-plan.json rhythm-plan.json] | qrs <mitdb dir> [record...] | ec57 <beat.onnx> <beat-plan.json|-> <mitdb dir> [record...] | budget <firmware.elf> <opt> <beat-block> <rhythm-block> <beat.onnx> <rhythm.onnx> <beat-plan.json|-> <rhythm-plan.json|->');
  process.exit(1);
}

/**
 * The patch's budget: flash (text + data) and RAM (data + bss, the stack included) of the linked
 * firmware, and each model's executed instructions per inference under QEMU on cortex-m4f, as
 * `ecgc bench` measures them with the firmware's plan, schedule (depth first, its blocks) and -O level:
 * per beat, and for the rhythm model per second of ECG (its window's instructions / seconds).
 */
function budget(elf: string, opt: string, [beat, beatPlan, beatBlock]: [string, string | undefined, string], [rhythm, rhythmPlan, rhythmBlock]: [string, string | undefined, string]) {
  const size = /^\s*(\d+)\s+(\d+)\s+(\d+)\s/m.exec(execFileSync('arm-none-eabi-size', [elf], { encoding: 'utf8' }).split('\n')[1]);
  if (!size) throw new Error(`arm-none-eabi-size ${elf}: no text/data/bss line`);
  const [text, data, bss] = size.slice(1).map(Number);
  const instructions = (model: string, plan: string | undefined, block: string) => {
    const ecgc = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
    const flags = ['bench', model, '--target', 'cortex-m4f', '--schedule', 'stream', '--stream-block', block, '--opt', opt, '--json', ...(plan ? ['--plan', plan] : [])];
    const bench = JSON.parse(execFileSync('node', [ecgc, ...flags], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    return Math.round((bench.model.planBuild ?? bench.model.float32).instructionsPerInference);
  };
  const definition = modelData(loadModel(rhythm), rhythm);
  if (!definition) throw new Error(`${rhythm}: the model carries no dataset definition (its window)`);
  const seconds = definition.window.samples / definition.samplingRate;
  return {
    flash: text + data,
    ram: data + bss,
    beatInstructions: instructions(beat, beatPlan, beatBlock),
    rhythmInstructionsPerSecond: Math.round(instructions(rhythm, rhythmPlan, rhythmBlock) / seconds),
  };
}
