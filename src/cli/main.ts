#!/usr/bin/env node
/** The ecgc command line: parses flags, calls the library, prints. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { DEFAULT_PYTHON } from '../compress/finetune.js';
import { TASKS } from '../data/tasks.js';
import { EcgcError } from '../errors.js';
import { exitCleanlyOnInterrupt, isInterrupted } from '../util/interrupt.js';
import { benchCommand } from './bench.js';
import { compileCommand, verifyCommand } from './compile.js';
import { compressCommand } from './compress.js';
import { dataCommand } from './data.js';
import { evalCommand } from './eval.js';
import { explainCommand } from './explain.js';
import { finetuneCommand } from './finetune.js';
import { inspectCommand } from './inspect.js';
import { runCommand } from './run.js';
import { sweepCommand } from './sweep.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** User mistakes print one line and exit with their code; anything else is a bug in ecgc. */
function action<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (e) {
      // a child killed by the interrupt fails its command: the handler exits with 130 or 143
      if (isInterrupted()) await new Promise(() => {});
      if (e instanceof EcgcError) {
        process.stderr.write(`ecgc: ${e.message}\n`);
        process.exit(e.exitCode);
      }
      process.stderr.write(`ecgc: internal error (please report it): ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    }
  };
}

const program = new Command()
  .name('ecgc')
  .description('Compiles ECG neural networks (ONNX) into compressed, bit-exact C for Cortex-M')
  .version(version);

program
  .command('inspect')
  .description('ops, shapes, parameters and MACs per layer')
  .argument('<model>', 'model.onnx')
  .option('--json', 'machine-readable output (schema ecgc.inspect/1)')
  .option('--batch <n>', 'a model exported with a fixed batch: 1 reads it as one window per call (inputs, outputs and Reshape targets rewritten)')
  .action(action(inspectCommand));

program
  .command('run')
  .description('runs the float32 reference interpreter on a batch of inputs')
  .argument('<model>', 'model.onnx')
  .option('--input <x.npy>', 'float32 input, [N, ...sample shape] or one sample (default: synthetic ECG windows)')
  .requiredOption('--output <y.npy>', 'where to write the outputs, [N, ...]')
  .option('--force', 'replace an existing --output file')
  .option('--count <n>', 'how many synthetic windows without --input (default 30)')
  .option('--threads <n>', 'worker threads (default: up to 2)')
  .option('--plan <plan.json>', "a compression plan from 'ecgc compress': runs the compressed weights, as the device will")
  .option('--batch <n>', 'a model exported with a fixed batch: 1 reads it as one window per call (inputs, outputs and Reshape targets rewritten)')
  .action(action(runCommand));

program
  .command('data')
  .description('builds a dataset (X.npy, y.npy, meta.json) from real ECG records')
  .argument('<source>', 'data directory, e.g. ../shared/data/mitdb, svdb, cpsc2018 or cinc2017')
  .requiredOption('--task <task>', Object.keys(TASKS).join(', '))
  .requiredOption('--split <split>', 'e.g. random-train, record-test, ds1-train, ds2-test, train, test, all')
  .requiredOption('--out <dir>', 'output directory (written whole: an interrupted run leaves nothing)')
  .option('--force', 'replace an existing dataset directory (one that holds only X.npy, y.npy, meta.json)')
  .option('--noise <record>', 'add real electrode noise to every window: an NSTDB record, e.g. ../shared/data/nstdb/ma (muscle) or .../bw (baseline wander)')
  .option('--snr <dB>', 'with --noise: the signal-to-noise ratio, signal power from the QRS peak-to-peak amplitude as NSTDB defines it')
  .action(action(dataCommand));

program
  .command('explain')
  .description('why the model decides as it does: Grad-CAM, SHAP or CAM saliency per sample, with a plan the compressed model beside the float one (explain.json, explain.html)')
  .argument('<model>', 'model.onnx')
  .requiredOption('--method <method>', 'gradcam (gradients into the last convolutional map), shap (permutation SHAP over time segments, any model) or cam (class activation map: global average pooling + a linear layer)')
  .requiredOption('--out <dir>', 'output directory: explain.json (schema ecgc.explain/1) and explain.html (written whole: an interrupted run leaves nothing)')
  .option('--data <dir>', "a dataset written by 'ecgc data': its labels, rate and R peak position are used")
  .option('--input <x.npy>', 'windows [N, C, T] (or the model\'s input shape per window), without labels')
  .option('--plan <plan.json>', "a compression plan from 'ecgc compress': the compressed model's explanations (the device's numerics) beside the float model's, and their agreement")
  .option('--plan-model <model.onnx>', 'the model --plan compresses, when another than <model> of the same inputs and outputs (a fine-tuned one: ecgc finetune --model-out)')
  .option('--class <name>', "the class to explain in every window (default: each window's predicted class)")
  .option('--count <n>', 'windows to explain: per class with --data, in all with --input', '20')
  .option('--layer <node>', 'Grad-CAM: the node whose output map is weighed (default: the map the last global pooling reads)')
  .option('--segments <n>', 'SHAP: time segments of each window', '16')
  .option('--permutations <n>', 'SHAP: orders of the segments sampled (in antithetic pairs; all of them, exact, when there are no more)', '8')
  .option('--background <n>', 'SHAP: background windows, spread over the source', '16')
  .option('--seed <n>', 'SHAP: the seed of the sampled orders', '0')
  .option('--threads <n>', 'worker threads (default: up to 2)')
  .option('--force', 'replace an existing output directory of explain.json and explain.html')
  .option('--json', 'print the report (schema ecgc.explain/1) on stdout')
  .action(action(explainCommand));

program
  .command('eval')
  .description('accuracy, macro precision / recall / F1 and the confusion matrix on a dataset')
  .argument('<model>', 'model.onnx')
  .requiredOption('--data <dir>', "a dataset written by 'ecgc data'")
  .option('--json', 'machine-readable output (schema ecgc.eval/1)')
  .option('--threads <n>', 'worker threads (default: up to 2)')
  .option('--plan <plan.json>', "a compression plan from 'ecgc compress': evaluates the compressed weights, as the device will")
  .option('--batch <n>', 'a model exported with a fixed batch: 1 reads it as one window per call (inputs, outputs and Reshape targets rewritten)')
  .action(action(evalCommand));

/** Flags compress and sweep share: the data, the constraint and the importance heuristic. */
function searchOptions(command: Command): Command {
  return command
    .option('--batch <n>', 'a model exported with a fixed batch: 1 reads it as one window per call (inputs, outputs and Reshape targets rewritten)')
    .option('--data <dir>', "calibration windows: a dataset from 'ecgc data' (labelled), or a directory with X.npy / an .npy file (label-free); default: synthetic ECG windows (label-free)")
    .option('--test <dir>', 'held-out windows: the chosen plan is reported on them, never searched on')
    .option('--metric <metric>', 'accuracy or f1 (macro F1): what --max-drop is measured in', 'accuracy')
    .option('--max-drop <points>', "points of the metric the plan may lose against the full model on --data (label-free: of top-1 agreement; default 0.5, with --flash too); 'none' lifts it (with --flash, or a fixed method)")
    .option('--max-class-drop <points>', "points of recall any one class may lose against the full model on --data (label-free: of that full-model class's top-1 agreement); default: no per-class constraint")
    .option('--max-explanation-drift <x>', "keep the explanations (CAM where the head is linear, else Grad-CAM) at a mean rank correlation of at least 1 - x with the full model's, on up to 128 windows of --data (with --activations int8, the device's maps)")
    .option('--alpha <a>', 'importance I = alpha * rho + beta * delta: weight of the parameter share rho', '0.5')
    .option('--beta <b>', 'weight of the (log-scaled, normalised) weight variance delta', '0.5')
    .option('--gamma <g>', 'LAQ: tolerance of layer l = min(max-drop, gamma * w_l) (default: max-drop / max w_l)')
    .option('--laq-rule <rule>', "LAQ's inequality: printed (w_l = I_l, as the paper prints it) or intended (w_l = 1 - I_l: important layers lose less)", 'intended')
    .option('--quantizer <q>', 'for 2..8 bits: uniform (per output channel), uniform-layer (one scale) or codebook (k-means levels); 1 bit is always sign', 'uniform')
    .option('--scales <format>', 'how quantized layers store their scales: float32, or bfloat16 (2 bytes a row instead of 4; the codes use the rounded scale)', 'float32')
    .option('--rounding <r>', 'how weights become codes: nearest (round half to even), or gptq (error-compensating: each rounding error is spread over the weights not yet rounded, least squares on the --data windows; the plan carries the codes)', 'nearest')
    .option('--label-free', 'ignore the labels of --data: constrain fidelity to the full model (top-1 agreement, output SNR)')
    .option('--min-snr <dB>', 'label-free mode: minimum output SNR against the full model (default 20)')
    .option('--calibration <n>', 'without --data: how many synthetic windows (default 512)')
    .option('--threads <n>', 'worker threads (default: up to 2)');
}

searchOptions(
  program
    .command('compress')
    .description('chooses bits and pruning per layer under an accuracy constraint or a flash budget; writes plan.json, plan.md, plan.html')
    .argument('<model>', 'model.onnx')
    .requiredOption('--method <method>', 'fixed-q:B (B = 1..8 bits), fixed-p:P (prune P percent), laq, lap or laq+lap'),
)
  .option('--flash <size>', 'flash budget for the weights (bytes, or K / M): the objective becomes the best score that fits; exit 3 if nothing fits')
  .option('--ram <size>', 'RAM budget: recorded in the plan and checked by the C backend (ecgc compile), not here')
  .option('--sensitivity', 'also measure each layer alone at 1..8 bits and compare with the importance heuristic (slow)')
  .option('--activations <type>', "float32, or int8: the integer mode (int8 activations calibrated on --data before the search, minmax or percentile ranges by score; every candidate measured on them; a layer's float32 choice is 8-bit there); the plan's figures are then the integer reference's", 'float32')
  .requiredOption('--out <plan.json>', 'where to write the plan (plan.md and plan.html go beside it)')
  .option('--force', 'replace an existing plan (and its .md, .html, .rejected.json)')
  .action(action(compressCommand));

searchOptions(
  program
    .command('sweep')
    .description("the paper's Table 1 for this model: full precision, fixed 8..1 bits, codebook, fixed pruning, LAQ (both rules), LAP, LAQ+LAP")
    .argument('<model>', 'model.onnx'),
)
  .option('--no-sensitivity', 'skip the per-layer sensitivity measurement')
  .requiredOption('--out <dir>', 'output directory: table.md, table.csv, sweep.json, sweep.html')
  .option('--force', 'replace an existing sweep directory (one that holds only those four files)')
  .action(action(sweepCommand));

program
  .command('finetune')
  .description("quantization-aware fine-tuning of a plan from 'ecgc compress' (torch): writes a model whose weights are the quantized values, and its plan")
  .argument('<model>', 'the model.onnx the plan was made for')
  .requiredOption('--plan <plan.json>', 'the plan: each layer keeps its bits, quantizer, scale format and pruning')
  .requiredOption('--train <dir>', "training windows: a dataset from 'ecgc data' (distillation from the model + cross-entropy), or X.npy only (distillation)")
  .requiredOption('--data <dir>', 'validation windows: choose the epoch kept; the plan is reported on them')
  .option('--test <dir>', 'held-out windows: reported, never trained or chosen on')
  .option('--label-free', 'ignore the labels: distillation only, the epoch chosen by top-1 agreement with the model')
  .requiredOption('--out <plan.json>', 'the fine-tuned plan (plan.md goes beside it)')
  .option('--model-out <model.onnx>', 'the fine-tuned model (default: the plan path with .onnx)')
  .option('--force', 'replace an existing plan, plan.md or model')
  .option('--epochs <n>', 'training epochs (default 3)')
  .option('--lr <rate>', 'Adam learning rate, cosine-annealed to 0 (default 3e-4)')
  .option('--batch <n>', 'batch size (default 128)')
  .option('--seed <n>', 'random seed (default 0)')
  .option('--python <path>', `a Python with torch and onnx (default ${DEFAULT_PYTHON})`)
  .option('--threads <n>', 'threads for torch and the reference (default: up to 2)')
  .action(action(finetuneCommand));

program
  .command('compile')
  .description('emits C: <name>.h, <name>.c, <name>_weights.c, the runtime files and ecgc.mk')
  .argument('<model>', 'model.onnx')
  .requiredOption('--target <target>', 'host (Cortex-M targets: cortex-m0, -m3, -m4f, -m7, -m33, -m55)')
  .requiredOption('--out <dir>', 'output directory')
  .option('--plan <plan.json>', "a compression plan from 'ecgc compress' (default: float32 weights)")
  .option('--name <name>', 'C prefix of the API (default: from the file name)')
  .option('--force', 'replace an existing output directory (one that holds only code ecgc generated)')
  .option('--flash <size>', 'Cortex-M: flash budget (bytes, K or M), e.g. 512K: checked on the estimate, then on the linked image (exit 3)')
  .option('--ram <size>', 'Cortex-M: RAM budget (arena, data, stack), e.g. 64K: checked like --flash')
  .option('--stack <size>', 'Cortex-M: stack reserved in RAM (default 2K)')
  .option('--opt <levels>', 'Cortex-M: arm-none-eabi-gcc levels to link and size, e.g. "-O2,-Os" (default -O2)')
  .option('--schedule <s>', 'layers (one kernel call per op), stream (Conv chains depth first, one time step at a time: least RAM, same bits) or auto: stream only when --ram needs it', 'auto')
  .option('--stream-block <n>', 'depth first: output columns a layer with packed or sparse weights computes per decoding of them (1 to 16, default 1): (n-1) x stride more input columns kept and n output columns per such layer, for 1/n of the decoding')
  .option('--measure', 'Cortex-M: count instructions per inference under QEMU (per layer; and the other schedule when auto weighed both)')
  .option('--clock <Hz>', 'Cortex-M: core clock, e.g. 64M: the measured instructions as a time (a lower bound; implies --measure)')
  .option('--report <file>', 'also write the report: file.json, file.md, or both for a name without either extension')
  .option('--explain', "also <name>_explain(float *cam): the class activation map of the last decision, from the map the run leaves in the arena (a model that ends in global average pooling + a linear layer; kept alive: the arena may grow)")
  .option('--json', 'machine-readable output (schema ecgc.compile/1, docs/json.md)')
  .option('--batch <n>', 'a model exported with a fixed batch: 1 reads it as one window per call (inputs, outputs and Reshape targets rewritten)')
  .action(action(compileCommand));

program
  .command('verify')
  .description('builds and runs the generated C, and compares every output bit with the reference')
  .argument('<model>', 'model.onnx')
  .requiredOption('--target <target>', 'host (gcc), or a Cortex-M target run under qemu-system-arm: cortex-m0, -m3, -m4f, -m7, -m33, -m55')
  .option('--input <x.npy>', 'inputs [N, ...sample] (default: synthetic ECG windows)')
  .option('--count <n>', 'how many synthetic windows without --input (default 16)')
  .option('--plan <plan.json>', "a compression plan from 'ecgc compress'")
  .option('--name <name>', 'C prefix of the API')
  .option('--flash <size>', 'Cortex-M: flash budget (bytes, K or M): checked on the estimate, then on the linked image (exit 3)')
  .option('--ram <size>', 'Cortex-M: RAM budget (arena, data, stack): checked like --flash')
  .option('--stack <size>', 'Cortex-M: stack reserved in RAM (default 2K); the measured peak is reported')
  .option('--opt <levels>', 'Cortex-M: arm-none-eabi-gcc levels, e.g. "-O2,-Os" (the default)')
  .option('--timeout <seconds>', 'Cortex-M: limit of each QEMU run (default 60)')
  .option('--schedule <s>', 'layers (one kernel call per op), stream (Conv chains depth first, one time step at a time: least RAM, same bits) or auto: stream only when --ram needs it', 'auto')
  .option('--stream-block <n>', 'depth first: output columns a layer with packed or sparse weights computes per decoding of them (1 to 16, default 1): (n-1) x stride more input columns kept and n output columns per such layer, for 1/n of the decoding')
  .option('--explain', 'also <name>_explain: its class activation map after each run, compared bit for bit with the reference')
  .option('--json', 'machine-readable output (schema ecgc.verify/1, docs/json.md)')
  .option('--batch <n>', 'a model exported with a fixed batch: 1 reads it as one window per call (inputs, outputs and Reshape targets rewritten)')
  .action(action(verifyCommand));

program
  .command('bench')
  .description('executed instructions (not cycles) per inference, per layer and per MAC on a Cortex-M target under QEMU')
  .argument('[model]', 'model.onnx')
  .requiredOption('--target <target>', 'cortex-m4f (or another Cortex-M target)')
  .option('--plan <plan.json>', "a compression plan: its build is measured beside the dense float32 build")
  .option('--input <x.npy>', 'windows to run (default: synthetic ECG windows)')
  .option('--count <n>', 'how many windows (default 2; instructions are averaged)')
  .option('--opt <level>', 'arm-none-eabi-gcc level (default -O2)')
  .option('--stack <size>', 'stack reserved in RAM (default 2K)')
  .option('--ram <size>', "RAM budget: chooses the schedule as 'ecgc compile --ram' does")
  .option('--clock <Hz>', 'core clock, e.g. 64M: instructions per inference as a time (a lower bound: QEMU has no cycle model)')
  .option('--timeout <seconds>', 'limit of each QEMU run (default 60)')
  .option('--break-even', 'also sweep sparsity on one conv1d layer: where a sparse encoding beats the dense one')
  .option('--shape <CinxCoutxKxT>', 'the --break-even layer (default 32x32x5x128)')
  .option('--bits <b>', 'the --break-even weight bits (default 4)')
  .option('--schedule <s>', "auto, layers or stream (Conv chains depth first): resolved as 'ecgc compile' does (with the plan, if any), for both builds", 'auto')
  .option('--stream-block <n>', 'depth first: output columns a layer with packed or sparse weights computes per decoding of them (1 to 16, default 1): (n-1) x stride more input columns kept and n output columns per such layer, for 1/n of the decoding')
  .option('--explain', 'also the cost of <name>_explain (compile --explain): its instructions after a run, and the flash and RAM it adds to each build')
  .option('--json', 'machine-readable output (schema ecgc.bench/1, docs/json.md)')
  .option('--batch <n>', 'a model exported with a fixed batch: 1 reads it as one window per call (inputs, outputs and Reshape targets rewritten)')
  .action(action(benchCommand));

exitCleanlyOnInterrupt();
await program.parseAsync();
