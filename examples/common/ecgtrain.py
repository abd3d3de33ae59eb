"""Shared training code for the example models (run with /usr/bin/python3: Debian's torch).

Each examples/<model>/train.py describes its network and data; this module builds the
datasets with `ecgc data`, trains with Adam + ReduceLROnPlateau on the validation loss
(keeping the best validation macro F1), exports ONNX (opset 17, dynamic batch), evaluates
the export with `ecgc eval` (the TypeScript reference, so the card's figures are the
device's), checks that torch and ecgc agree on the argmax, and writes card.json and the
model card README.md. Seeds are fixed; the time is printed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ECGC = ["node", os.path.join(ROOT, "dist", "cli", "main.js")]
DEFAULT_DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))


def ecgc(*args, capture=False):
    command = ECGC + [str(a) for a in args]
    if capture:
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    subprocess.run(command, check=True)


def dataset(source, task, split, cache):
    """X, y, meta of one split, built by `ecgc data` once and cached."""
    out = os.path.join(cache, f"{task}-{split}")
    if not os.path.exists(os.path.join(out, "meta.json")):
        ecgc("data", source, "--task", task, "--split", split, "--out", out)
    with open(os.path.join(out, "meta.json")) as f:
        meta = json.load(f)
    return out, np.load(os.path.join(out, "X.npy")), np.load(os.path.join(out, "y.npy")), meta


def macro_f1(truth, predicted, classes):
    f1s = []
    for c in range(classes):
        tp = np.sum((truth == c) & (predicted == c))
        fp = np.sum((truth != c) & (predicted == c))
        fn = np.sum((truth == c) & (predicted != c))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1s))


def predict(model, x, batch=512):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(torch.from_numpy(x[i:i + batch])).argmax(1).numpy())
    return np.concatenate(out)


def train(model, train_xy, val_xy, classes, epochs, lr=1e-3, weight_decay=1e-3, batch=128, seed=0, augment=None, balance=0.5):
    """augment: an optional function of a training batch (a tensor) returning a changed copy;
    balance: classes weigh (inverse frequency) ** balance in the loss (1: fully balanced)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = train_xy
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    # Square-root inverse frequency by default: rare classes count more without drowning the common one.
    weights = torch.tensor((counts.sum() / np.maximum(counts, 1)) ** balance, dtype=torch.float32)
    weights /= weights.mean()
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    best = (-1.0, None)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(order), batch):
            idx = torch.from_numpy(order[i:i + batch])
            optimizer.zero_grad()
            inputs = xt[idx] if augment is None else augment(xt[idx])
            loss = loss_fn(model(inputs), yt[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            vx, vy = torch.from_numpy(val_xy[0]), torch.from_numpy(val_xy[1].astype(np.int64))
            val_loss = sum(loss_fn(model(vx[i:i + 1024]), vy[i:i + 1024]).item() * len(vy[i:i + 1024]) for i in range(0, len(vy), 1024)) / len(vy)
        predicted = predict(model, val_xy[0])
        f1 = macro_f1(val_xy[1], predicted, classes)
        accuracy = float(np.mean(predicted == val_xy[1]))
        scheduler.step(val_loss)
        print(f"epoch {epoch + 1}/{epochs}: train loss {total / len(x):.4f}  val loss {val_loss:.4f}  val acc {accuracy:.4f}  val macro F1 {f1:.4f}", flush=True)
        if f1 > best[0]:
            best = (f1, {k: v.clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[1])
    model.eval()
    return best[0]


def train_by_record(make_model, task, out_dir, args, epochs, batch=64, predict_batch=128, augment=None, source=None, splits=("record-train", "record-val", "record-test"), balance=0.5):
    """The record-split recipe: trains make_model(classes) on `task`'s train split (the epoch with
    the best validation macro F1 kept), exports out_dir/model.onnx and evaluates the export on the
    test split. Returns the test figures (epochs and training time included) and the dataset's meta."""
    start = time.time()
    source = source or args.mitdb
    _, x, y, meta = dataset(source, task, splits[0], args.cache)
    _, vx, vy, _ = dataset(source, task, splits[1], args.cache)
    test_dir, tx, ty, meta_test = dataset(source, task, splits[2], args.cache)
    print(f"train {len(y)}, val {len(vy)}, test {len(ty)} windows", flush=True)
    torch.manual_seed(0)  # the initial weights too (train() seeds only what follows)
    model = make_model(len(meta["classes"]))
    train(model, (x, y), (vx, vy), len(meta["classes"]), epochs, batch=batch, augment=augment, balance=balance)
    path = os.path.join(out_dir, "model.onnx")
    export(model, path, x.shape[1:], meta)
    figures = evaluate_export(path, test_dir, meta_test, predict(model, tx, batch=predict_batch))
    figures.update(epochs=epochs, trainingSeconds=round(time.time() - start, 1))
    print(json.dumps({k: figures[k] for k in ("accuracy", "macroF1", "params", "argmaxAgreementWithTorch")}))
    return figures, meta


def export(model, path, sample_shape, meta, opset=17):
    model.eval()
    dummy = torch.zeros(2, *sample_shape)
    torch.onnx.export(model, (dummy,), path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=opset, do_constant_folding=True)
    add_metadata(path, meta)


def add_metadata(path, meta):
    """Records the dataset's definition in the model (metadata 'ecgc.dataset'): the firmware and
    `ecgc run` without --input need the sampling rate, window and preprocessing the model expects."""
    import onnx
    model = onnx.load(path)
    keep = {k: meta[k] for k in ("task", "classes", "samplingRate", "window", "leads", "preprocessing")}
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = "ecgc.dataset", json.dumps(keep)
    onnx.save(model, path)


def evaluate_export(model_path, test_dir, meta_test, torch_predictions):
    """The export's test figures from `ecgc eval` (the TS reference), and its agreement with torch."""
    evaluation = json.loads(ecgc("eval", model_path, "--data", test_dir, "--json", capture=True))
    inspect = json.loads(ecgc("inspect", model_path, "--json", capture=True))
    truth = np.load(os.path.join(test_dir, "y.npy"))
    logits = os.path.join(test_dir, "ecgc-logits.npy")
    ecgc("run", model_path, "--input", test_dir, "--output", logits, "--force")  # a dataset directory: every input the model takes
    agreement = float(np.mean(np.load(logits).argmax(1) == torch_predictions))
    figures = {
        "task": meta_test["task"], "split": meta_test["split"], "testWindows": int(len(truth)),
        "accuracy": evaluation["accuracy"], "macroPrecision": evaluation["macroPrecision"],
        "macroRecall": evaluation["macroRecall"], "macroF1": evaluation["macroF1"],
        "perClass": evaluation["perClass"], "confusion": evaluation["confusion"],
        "params": inspect["totals"]["params"], "macs": inspect["totals"]["macs"],
        "weightBytesFloat32": inspect["totals"]["weightBytesFloat32"],
        "torchAccuracy": float(np.mean(torch_predictions == truth)), "argmaxAgreementWithTorch": agreement,
    }
    if agreement < 0.999:
        sys.exit(f"{model_path}: ecgc and torch agree on only {100 * agreement:.2f}% of the test windows (need >= 99.9%)")
    return figures


def figures_section(title, model_file, figures, classes):
    pct = lambda v: f"{100 * v:.2f}%"
    lines = [f"## {title}", "", f"`{model_file}` on `{figures['task']}` split `{figures['split']}` ({figures['testWindows']:,} windows), computed by `ecgc eval`:", "",
             f"accuracy **{pct(figures['accuracy'])}**, macro precision {pct(figures['macroPrecision'])}, macro recall {pct(figures['macroRecall'])}, macro F1 **{pct(figures['macroF1'])}**", "",
             "| class | precision | recall (sensitivity) | F1 | support |", "|---|---|---|---|---|"]
    for c in figures["perClass"]:
        lines.append(f"| {c['name']} | {pct(c['precision'])} | {pct(c['recall'])} | {pct(c['f1'])} | {c['support']} |")
    lines += ["", "Confusion matrix (rows: true class, columns: predicted):", "", "| | " + " | ".join(classes) + " |", "|---" * (len(classes) + 1) + "|"]
    for name, row in zip(classes, figures["confusion"]):
        lines.append(f"| {name} | " + " | ".join(str(v) for v in row) + " |")
    lines += ["", f"Trained {figures['epochs']} epochs in {figures['trainingSeconds']:.0f} s. torch's accuracy on the same windows: {pct(figures['torchAccuracy'])}; ecgc and torch predict the same class for {pct(figures['argmaxAgreementWithTorch'])} of them.", ""]
    return lines


def kept_compression_section(card):
    """The card's hand-written '## Compression' and '## Noise' sections, kept across retraining: their
    figures are the old model's, and npm test says so (the sweep's model hash, the noise table) until
    they are measured again."""
    if not os.path.exists(card):
        return []
    kept, inside = [], False
    for line in open(card).read().split("\n"):
        if line.startswith("## "):
            inside = line.startswith(("## Compression", "## Noise"))
        if inside:
            kept.append(line)
    return kept


def write_card(out_dir, title, intro, rows, sections, models, seconds, retrain):
    """README.md (the model card) and card.json ({model file: figures}), which the tests check."""
    with open(os.path.join(out_dir, "card.json"), "w") as f:
        json.dump({"trainingSeconds": round(seconds, 1), "retrain": retrain, "models": models}, f, indent=2)
        f.write("\n")
    lines = [f"# {title}", "", intro, "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    lines += [f"| training time | {seconds:.0f} s on this machine's 2 shared CPU cores, torch using 1 or 2 threads (all models of this card) |", ""]
    for section in sections:
        lines += section
    lines += kept_compression_section(os.path.join(out_dir, "README.md"))
    lines += ["## Retrain", "", "From the repository root, after `npm ci` (which builds ecgc), with Debian's python3-torch and libopenblas0-openmp:", "", "    " + retrain, "",
              "It rebuilds the datasets with `ecgc data`, trains, exports, and rewrites this card and `card.json` from `ecgc eval`;",
              "`npm test` re-runs `ecgc eval` on each test split and checks the figures.", ""]
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("\n".join(lines))


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mitdb", default=os.path.join(DEFAULT_DATA, "mitdb"))
    parser.add_argument("--cinc2017", default=os.path.join(DEFAULT_DATA, "cinc2017"))
    parser.add_argument("--cache", default="/tmp/ecgc-datasets")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--only", nargs="*", help="train only these model files (e.g. model-record-split.onnx); the card keeps the others' figures")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    torch.set_num_threads(args.threads)
    return args
