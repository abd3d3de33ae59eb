#!/usr/bin/python3
"""Fine-tunes the pretrained wearable HuBERT-ECG (pretrain.py's pretrained.pt) on the patch's AF
task (`cinc2017`: 30-s records, normal, af, other, noisy) and on `rhythm-stream` (10-s MLII
windows, four rhythm groups), and compares it, at 5%, 20% and 100% of the training labels, with
the same model trained from scratch, with the patch's CNN of each task and with a CNN of the
transformer's size, each trained on the same labels. Run from the repository root, after pretrain.py:
    /usr/bin/python3 examples/hubert-ecg/finetune.py [--only cinc2017/1.0/pretrained ...]

Every run is chosen on the validation split (the epoch with the best macro F1) and reported on
the test split, which chooses nothing. Each run checkpoints after every epoch and each finished
run is kept in --runs, so the runs can be spread over sessions. The pretrained model fine-tuned
on all of cinc2017's labels is exported as model.onnx and evaluated by `ecgc eval`;
results.json holds every run's figures, and the card (README.md, card.json) is written from them."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from ecgtrain import DEFAULT_DATA, dataset, evaluate_export, export, figures_section, macro_f1, predict, write_card  # noqa: E402
from hubert import WEARABLE, Classifier, HubertEcg, for_export  # noqa: E402
from pretrain import augment  # noqa: E402
from streamnet import StridedStreamCNN  # noqa: E402

SPAN = 3600  # 10 s at 360 Hz: what attention sees
TASKS = {
    # task: (data folder, splits, {CNN: its layers}: the patch's CNN for the task, and one as wide
    # as it takes to have about the transformer's parameters and multiply-adds)
    "cinc2017": ("cinc2017", ("train", "val", "test"), {
        "cnn": [(1, 8, 9, 3), (8, 12, 7, 3), (12, 16, 5, 2), (16, 16, 5, 2), (16, 20, 5, 2), (20, 24, 5, 2), (24, 24, 5, 2), (24, 32, 3, 2)],
        "cnn-wide": [(1, 48, 9, 3), (48, 96, 7, 3), (96, 128, 5, 2), (128, 128, 5, 2), (128, 160, 5, 2), (160, 160, 5, 2), (160, 192, 5, 2), (192, 256, 3, 2)]}),
    "rhythm-stream": ("mitdb", ("record-train", "record-val", "record-test"), {
        "cnn": [(1, 8, 9, 3), (8, 12, 5, 3), (12, 12, 3, 2), (12, 12, 3, 2), (12, 16, 3, 2), (16, 16, 3, 2), (16, 16, 3, 2)],
        "cnn-wide": [(1, 64, 9, 3), (64, 128, 5, 3), (128, 160, 3, 2), (160, 192, 3, 2), (192, 256, 3, 2), (256, 256, 3, 2), (256, 320, 3, 2)]}),
}
FRACTIONS = (0.05, 0.2, 1.0)
INITS = ("pretrained", "scratch", "cnn", "cnn-wide")
MAIN_RUN = ("cinc2017", 1.0, "pretrained")  # the run exported as model.onnx, the card's model
# The transformer's passes over the data, by fraction: fewer labels, more epochs (as many steps
# as 30 epochs at 20% take, about), validated about 12 times a run.
EPOCHS = {1.0: 12, 0.2: 30, 0.05: 80}
# The patch's CNNs (a hundredth of the transformer's compute) train 4x the epochs, as
# patch-rhythm's example trains 50 at 100%; the wide ones the transformer's epochs (the same
# compute); all on the same loop, schedule and augmentation as the transformer.
EPOCHS_PER_TRANSFORMER_EPOCH = {"cnn": 4, "cnn-wide": 1}
# pretrain.augment's gain, sign and offset, and a drift and noise as the patch's CNNs train with (mV)
DRIFT, NOISE = 0.5, 0.02


def labelled_subset(y, fraction, classes, seed=0):
    """A stratified `fraction` of the training windows (at least 2 of each class)."""
    if fraction >= 1.0:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(y == c))[:max(2, round(fraction * np.sum(y == c)))] for c in range(classes)]
    return np.sort(np.concatenate(keep))


def signal_length(x):
    """Samples up to each window's last non-zero one (CinC records shorter than 30 s are padded)."""
    nonzero = x[:, 0, :] != 0
    return x.shape[2] - np.argmax(nonzero[:, ::-1], axis=1)


def crops(x, lengths, generator):
    """A random 10-s span of each window that lies within its signal (the transformer trains on
    10 s, its attention span, and classifies a 30-s record by the mean over its three spans)."""
    if x.shape[2] == SPAN:
        return x
    starts = [int(torch.randint(0, max(1, min(x.shape[2], int(n)) - SPAN + 1), (1,), generator=generator)) for n in lengths]
    return torch.stack([x[i, :, s:s + SPAN] for i, s in enumerate(starts)])


def figures(y, predicted, classes):
    recall = [float(np.mean(predicted[y == c] == c)) if np.any(y == c) else 0.0 for c in range(classes)]
    return {"accuracy": float(np.mean(predicted == y)), "macroF1": macro_f1(y, predicted, classes), "recall": recall}


def transformer(task, classes, init, spans):
    backbone = HubertEcg(WEARABLE)
    if init == "pretrained":
        backbone.load_state_dict(torch.load(os.path.join(HERE, "pretrained.pt")))
        # HuBERT fine-tunes with its convolutional feature encoder frozen.
        for p in backbone.encoder.parameters():
            p.requires_grad = False
    return Classifier(backbone, classes, spans)


def train(model, data, classes, epochs, lr, checkpoint, spans=None):
    """AdamW and a one-cycle schedule over `epochs`, batch 32, the loss weighted by the square root
    of inverse class frequency (as ecgtrain's), validated about 12 times: the best validation
    macro F1 kept. With `spans` (the transformer on 30-s records), 10-s crops, one span each.
    After every epoch the whole state goes to `checkpoint`, and a run resumes from it (an hour's
    run outlives a session); returns the best epoch and the seconds spent training."""
    (x, y), (vx, vy) = data
    lengths = signal_length(x)
    validate_every = max(1, epochs // 12)
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    weights = (counts.sum() / np.maximum(counts, 1)) ** 0.5
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor(weights / weights.mean(), dtype=torch.float32))
    frozen = [m for m in model.modules() if any(not p.requires_grad for p in m.parameters(recurse=False))]
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    steps = epochs * int(np.ceil(len(x) / 32))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.1)
    generator = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(0)
    best, first, seconds = (-1.0, None, 0), 0, 0.0
    if os.path.exists(checkpoint):
        saved = torch.load(checkpoint)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        schedule.load_state_dict(saved["schedule"])
        generator.set_state(saved["generator"])
        rng.bit_generator.state = saved["rng"]
        best, first, seconds = saved["best"], saved["epoch"], saved["seconds"]
        print(f"  resumed after epoch {first}", flush=True)
    for epoch in range(first, epochs):
        began = time.time()
        model.train()
        for m in frozen:  # a frozen layer's batch norm keeps its statistics too
            m.eval()
        order = rng.permutation(len(x))
        for start in range(0, len(x), 32):
            index = order[start:start + 32]
            xb = torch.from_numpy(x[index])
            out = model(augment(xb, generator, DRIFT, NOISE)) if spans is None else model(augment(crops(xb, lengths[index], generator), generator, DRIFT, NOISE), spans=1)
            loss = loss_fn(out, torch.from_numpy(y[index].astype(np.int64)))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(parameters, 5.0)
            optimizer.step()
            schedule.step()
        if (epoch + 1) % validate_every == 0 or epoch + 1 == epochs:
            f1 = macro_f1(vy, predict(model, vx, batch=64), classes)
            print(f"  epoch {epoch + 1}/{epochs}: val macro F1 {f1:.4f}", flush=True)
            if f1 > best[0]:
                best = (f1, {k: v.clone() for k, v in model.state_dict().items()}, epoch + 1)
        seconds += time.time() - began
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                    "generator": generator.get_state(), "rng": rng.bit_generator.state, "best": best, "epoch": epoch + 1,
                    "seconds": seconds}, checkpoint + ".tmp")
        os.replace(checkpoint + ".tmp", checkpoint)
    model.load_state_dict(best[1])
    return best[2], seconds


def run_file(args, task, fraction, init, suffix):
    """A run's file in --runs: its checkpoint (.pt) while it trains, its figures (.json) once done."""
    return os.path.join(args.runs, f"{task}_{fraction}_{init}{suffix}")


def run(task, fraction, init, args):
    folder, splits, cnns = TASKS[task]
    source = os.path.join(args.data, folder)
    _, x, y, meta = dataset(source, task, splits[0], args.cache)
    _, vx, vy, _ = dataset(source, task, splits[1], args.cache)
    test_dir, tx, ty, meta_test = dataset(source, task, splits[2], args.cache)
    classes = len(meta["classes"])
    keep = labelled_subset(y, fraction, classes)
    data = ((x[keep], y[keep]), (vx, vy))
    checkpoint = run_file(args, task, fraction, init, ".pt")
    torch.manual_seed(0)
    if init in cnns:
        model = StridedStreamCNN(cnns[init], classes)
        epochs, seconds = train(model, data, classes, EPOCHS_PER_TRANSFORMER_EPOCH[init] * EPOCHS[fraction], 1e-3, checkpoint)
    else:
        model = transformer(task, classes, init, x.shape[2] // SPAN)
        epochs, seconds = train(model, data, classes, EPOCHS[fraction], 3e-4, checkpoint, spans=model.spans)
    tested = predict(model, tx, batch=64)
    result = {"task": task, "fraction": fraction, "init": init, "labelledWindows": int(len(keep)), "bestEpoch": epochs,
              "params": int(sum(p.numel() for p in model.parameters())), "seconds": round(seconds, 1),
              "val": figures(vy, predict(model, vx, batch=64), classes), "test": figures(ty, tested, classes)}
    if (task, fraction, init) == MAIN_RUN:
        path = os.path.join(HERE, "model.onnx")
        export(for_export(model), path, x.shape[1:], meta)
        result["ecgcEval"] = {**evaluate_export(path, test_dir, meta_test, tested), "epochs": epochs, "trainingSeconds": result["seconds"]}
        result["meta"] = meta
    return result


def labels_section(results):
    """Test macro F1 (and accuracy) of every finished run, by task, fraction of the labels and start."""
    pct = lambda v: f"{100 * v:.2f}%"
    lines = ["## Pretrained, from scratch, or a CNN, by fraction of the labels", "",
             "Each run chosen on the validation split (its best epoch), reported on the test split; `cinc2017`: one 30-s record per example, "
             "`rhythm-stream`: 10-s MLII windows of held-out MIT-BIH records. Test macro F1 (accuracy):", "",
             "| task | labels | pretrained | from scratch | patch CNN | CNN of its size |", "|---|---|---|---|---|---|"]
    by = {(r["task"], r["fraction"], r["init"]): r for r in results}
    for task in TASKS:
        for fraction in FRACTIONS:
            cells = []
            for init in INITS:
                r = by.get((task, fraction, init))
                cells.append(f"{pct(r['test']['macroF1'])} ({pct(r['test']['accuracy'])})" if r else "not yet run")
            windows = next((r["labelledWindows"] for r in results if (r["task"], r["fraction"]) == (task, fraction)), None)
            lines.append(f"| `{task}` | {pct(fraction)}" + (f" ({windows:,})" if windows else "") + " | " + " | ".join(cells) + " |")
    points = lambda a, b: f"{100 * (a['test']['macroF1'] - b['test']['macroF1']):+.1f}"
    patch = json.load(open(os.path.join(HERE, "..", "patch-rhythm", "card.json")))["models"]["model.onnx"]
    lines += ["", f"The patch's own AF model (examples/patch-rhythm: the `cinc2017` CNN above trained by its own recipe, Adam with a plateau "
              f"schedule, 50 epochs, all the labels) scores macro F1 {pct(patch['macroF1'])} (accuracy {pct(patch['accuracy'])}) on the same test split.", ""]
    for task in TASKS:
        for fraction in FRACTIONS:
            p, s, cnns = by.get((task, fraction, "pretrained")), by.get((task, fraction, "scratch")), [by.get((task, fraction, i)) for i in ("cnn", "cnn-wide")]
            if p and s and all(cnns):
                best = max(cnns, key=lambda r: r["test"]["macroF1"])
                which = {"cnn": "the patch's", "cnn-wide": "the one of its size"}[best["init"]]
                lines.append(f"- `{task}` at {pct(fraction)} of the labels, pretrained minus the others in points of macro F1: {points(p, s)} against the same model "
                             f"from scratch, {points(p, best)} against the better CNN ({which}).")
    sizes = lambda init: ", ".join(sorted({f"{r['params']:,}" for r in results if r["init"] == init}))
    lines += ["", f"Parameters: the transformer {sizes('pretrained')}; the patch's CNNs {sizes('cnn')}; the wide CNNs {sizes('cnn-wide')}.", ""]
    return lines


def write_hubert_card(results):
    main_run = next(r for r in results if (r["task"], r["fraction"], r["init"]) == MAIN_RUN)
    figures, meta = main_run["ecgcEval"], main_run["meta"]
    pretraining = json.load(open(os.path.join(HERE, "pretrain.json")))
    hours = pretraining["hours"]
    steps = " + ".join(str(i["steps"]) for i in pretraining["iterations"])
    c = WEARABLE
    rows = [("task", f"`cinc2017` ({', '.join(meta['classes'])}), 30 s at 360 Hz in mV, [N, 1, 10800]"),
            ("pretraining data", f"{hours:.1f} h of unlabelled ECG: `ecgc data <folder> --task unlabelled --split pretrain` of mitdb, svdb, cinc2017 and cpsc2018 (every lead, 10-s windows; "
                                 "the records cinc2017 and rhythm hold out for validation and test left out)"),
            ("pretraining", f"HuBERT's masked prediction, batch {pretraining['batch']}, {steps} steps in {pretraining['seconds'] / 3600:.1f} h: "
                            + "; ".join(f"iteration {n + 1} predicts {i['clusters']} clusters ({i['targets']}), final loss {i['losses'][-1][1]:.3f}" for n, i in enumerate(pretraining["iterations"]))),
            ("layers", f"feature encoder Conv1d+BN+GELU {c['channels']} channels, kernels {c['kernels']}, strides {c['strides']} (a 5-Hz frame every 72 samples); "
                       f"layer norm, projection to {c['dim']}; positional grouped conv (kernel {c['pos_kernel']}, {c['pos_groups']} groups) + GELU; "
                       f"{c['layers']} post-norm transformer layers ({c['heads']} heads, FFN {c['ffn']}, GELU) attending within 10-s spans; mean over frames and spans; linear"),
            ("parameters", f"{figures['params']:,} ({figures['weightBytesFloat32'] / 1024:.0f} KB as float32)"),
            ("MACs per inference", f"{figures['macs']:,} ({figures['macs'] / 30:,.0f} a second of ECG)"),
            ("fine-tuning", "encoder frozen (its batch norms too), AdamW lr 3e-4, one-cycle, batch 32 random 10-s crops, "
                            "augmented as pretraining (gain, sign, offset) plus drift 0.5 mV and noise 0.02 mV, cross-entropy weighted by the square root of inverse class frequency, "
                            f"{EPOCHS[1.0]} epochs at 100% of the labels, the best validation macro F1 kept")]
    write_card(HERE, "HuBERT-ECG for a wearable: self-supervised, then fine-tuned on AF",
               "A HuBERT-ECG-style transformer small enough for a Cortex-M7, pretrained without labels on ECG, fine-tuned on the patch's AF task, "
               "and compared, when few labels are at hand, with the same model trained from scratch, with the patch's CNNs and with CNNs of its size.",
               rows, [labels_section(results), figures_section("Test figures of model.onnx (pretrained, all labels)", "model.onnx", figures, meta["classes"])],
               {"model.onnx": {k: v for k, v in figures.items() if k not in ("epochs", "trainingSeconds")}},
               pretraining["seconds"] + sum(r["seconds"] for r in results), "/usr/bin/python3 examples/hubert-ecg/pretrain.py && /usr/bin/python3 examples/hubert-ecg/finetune.py")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--cache", default="/tmp/ecgc-datasets")
    parser.add_argument("--runs", default="/tmp/ecgc-hubert/runs")
    parser.add_argument("--only", nargs="*", help="task/fraction/init, e.g. cinc2017/0.05/scratch")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = False  # see pretrain.py: oneDNN's Conv1d weight gradients are wrong here
    os.makedirs(args.runs, exist_ok=True)
    results = []
    for task in TASKS:
        for fraction in FRACTIONS:
            for init in INITS:
                name = f"{task}/{fraction}/{init}"
                file = run_file(args, task, fraction, init, ".json")
                if not os.path.exists(file) and (not args.only or name in args.only):
                    print(f"{name}:", flush=True)
                    result = run(task, fraction, init, args)
                    with open(file + ".tmp", "w") as f:
                        json.dump(result, f, indent=2)
                    os.replace(file + ".tmp", file)
                    os.remove(run_file(args, task, fraction, init, ".pt"))
                    print(f"{name}: test macro F1 {result['test']['macroF1']:.4f} in {result['seconds']:.0f} s", flush=True)
                if os.path.exists(file):
                    results.append(json.load(open(file)))
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    if any((r["task"], r["fraction"], r["init"]) == MAIN_RUN for r in results):
        write_hubert_card(results)


if __name__ == "__main__":
    main()
