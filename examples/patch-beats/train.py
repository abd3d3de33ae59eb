#!/usr/bin/python3
"""The ECG patch's beat model on `beats-aami` (AAMI EC57 classes N, S, V, F, Q), trained across
patients: one 256-sample window per beat (360 Hz, R peak at sample 90, z-scored) and the beat's
nine RR features (src/data/beats.ts RR_FEATURES) as a second input. Trained on MIT-BIH DS1 and
SVDB, the variant and epoch chosen on whole records (patients) held out of both (records.mjs tells
each beat's record), then retrained on every DS1 and SVDB patient for that many epochs, and tested
once on MIT-BIH DS2 (de Chazal's inter-patient split). Run from the repository root, after `npm ci`:
    /usr/bin/python3 examples/patch-beats/train.py
It writes model.onnx (inputs `beat` [N,1,256] and `rr` [N,9], output `scores` [N,5]),
training.json (time, validation figures, torch's DS2 figures), and the card (README.md, card.json)
from `ecgc eval` on DS2. `--variant NAME --explore` trains
one of the variants tried, reports its validation figures only and writes nothing here."""
import argparse
import copy
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from ecgtrain import ROOT, add_metadata, evaluate_export, figures_section, write_card  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
RETRAIN = "/usr/bin/python3 examples/patch-beats/train.py"
CLASSES = ["N", "S", "V", "F", "Q"]
DS1 = ["101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124", "201", "203", "205", "207", "208", "209", "215", "220", "223", "230"]
# Patients held out for validation (selection only): four DS1 records (205 S, 728 V beats at the
# device's 360 Hz) and every 4th SVDB record from the 4th (15 records). DS1's few bundle branch
# block records (109, 118, 124, 207: wide normal QRS that resemble V beats) and 208 (nearly all of
# its F beats) stay in training: holding out 109 and 118 first left none to learn them from.
HELD_OUT_DS1 = ["201", "203", "215", "220"]
HELD_OUT_SVDB_EVERY = 4

# The beat branch, (in, out, kernel, stride): unpadded strided convolutions, so that depth first each
# layer keeps just (kernel - 1) input columns; 256 -> 125 -> 61 -> 29 -> 14 -> 12 columns.
LAYERS = [(1, 8, 7, 2), (8, 16, 5, 2), (16, 24, 5, 2), (24, 32, 3, 2), (32, 32, 3, 1)]

# What was tried (each chosen or dropped on the held-out records' figures only).
BASE = dict(layers=LAYERS, pool="mean", hidden=32, balance=0.75, probs=None, rr_mask=None, ema=False, stretch=0, epochs=24)
VARIANTS = {
    "base": BASE,
    # Fixed class shares of the draws: F and Q (391 and 54 training beats) less often.
    "probs": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03]},
    # The same, keeping a moving average of the weights (steadier from epoch to epoch).
    "probs-ema": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03], "ema": True},
    # Flatten instead of pooling (where in the window, e.g. the P wave before the R peak).
    "flat": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03], "ema": True, "pool": "flat", "layers": LAYERS[:-1] + [(32, 24, 3, 2)]},
    # Windows stretched about the R peak by up to +-12%.
    "stretch": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03], "ema": True, "stretch": 0.12},
    # Wider: 8-16-32-32-48 channels (12.9k parameters, 218k MACs).
    "wide": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03], "ema": True, "stretch": 0.12,
             "layers": [(1, 8, 7, 2), (8, 16, 5, 2), (16, 32, 5, 2), (32, 32, 3, 2), (32, 48, 3, 1)]},
    # Only the RR ratios (the seconds differ from patient to patient).
    "ratios": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03], "ema": True, "rr_mask": [0, 0, 0, 1, 1, 1, 1, 1, 1]},
    # probs-ema trained longer.
    "long": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03], "ema": True, "epochs": 40},
    # S drawn more often than V.
    "more-s": {**BASE, "probs": [0.35, 0.32, 0.23, 0.07, 0.03], "ema": True},
    # Narrower: 8-12-16-24-24 channels.
    "small": {**BASE, "probs": [0.4, 0.25, 0.25, 0.07, 0.03], "ema": True,
              "layers": [(1, 8, 7, 2), (8, 12, 5, 2), (12, 16, 5, 2), (16, 24, 3, 2), (24, 24, 3, 1)]},
}
CHOSEN = "probs-ema"
# Their validation figures on the held-out patients: selection score, S Se/+P, V Se/+P (%). base,
# and probs-ema and stretch first, were run with 109 and 118 held out instead of 201 and 220. These
# were measured with the first six RR features.
TRIED = {
    "base (109 118 203 215 held out)": "71.43; S 81.5/41.3; V 85.6/53.1",
    "probs-ema (109 118 203 215 held out)": "70.53; S 80.0/50.0; V 89.5/34.1 (its BBB records 118, 109: 1522 and 125 N beats called V)",
    "stretch (109 118 203 215 held out)": "71.10; S 82.6/50.2; V 89.3/32.7",
    "probs-ema": "74.25; S 85.4/47.8; V 89.7/47.5 (chosen)",
    "stretch": "73.66; S 84.8/48.7; V 88.6/46.4",
    "flat": "71.27; S 80.9/41.8; V 89.4/45.2",
    "wide": "72.17; S 79.7/43.5; V 90.1/49.9",
    "ratios": "70.28; S 76.8/48.2; V 89.1/41.5",
    "long": "71.68; S 81.7/46.4; V 90.6/39.2",
    "more-s": "71.84; S 85.6/36.7; V 89.0/45.1",
    "small": "71.78; S 82.6/45.9; V 90.1/39.2",
    "probs-ema + S/V logit offsets fitted on validation": "76.34 at S -0.5, V -1.5, by trading V sensitivity for +P: not used (the targets are sensitivities)",
}
# The RR features, chosen after the six-feature model's one DS2 figure (S Se 32.8%) showed that the
# held-out patients above had not foreseen it: a 4-fold cross-validation over DS1's 22 records (each
# fold trained on the other DS1 records and all of SVDB, 14 epochs; pooled over DS1's 944 S beats),
# S Se/+P, V Se/+P, score. It predicted the six features' DS2 figure (40% against 33%); the long
# mean's ratios (de Chazal et al.'s average RR, causal) were kept, weight 1/64. First measured with
# the features computed apart; crossvalidate.py (the dataset's features) reproduces the two that
# matter, in parentheses.
CROSS_VALIDATED = {
    "six features": "S 40.1/28.7; V 89.1/54.6; 56.99 (crossvalidate.py six: S 44.4/28.9; V 92.1/50.0; 58.63)",
    "nine, long mean weight 1/64": "S 54.7/34.6; V 92.1/63.0; 65.19, chosen (crossvalidate.py nine: S 54.1/34.8; V 91.7/56.3; 63.80)",
    "nine, long mean weight 1/256": "S 55.7/37.3; V 91.7/57.3; 64.91",
    "nine through their own 9-24-24 branch": "S 48.2/33.5; V 93.5/61.6; 63.10",
}


class BeatNet(nn.Module):
    """Conv1d+BN+ReLU layers over the beat (BatchNorm folded into the convolutions on export),
    global average pooling (or a flatten), concatenated with the normalised RR features, then a
    hidden Linear+ReLU and a Linear to the classes' scores."""

    def __init__(self, layers, rr_mean, rr_std, pool="mean", hidden=32, columns=None, dropout=0.1, rr_mask=None):
        super().__init__()
        convs = []
        for cin, cout, k, s in layers:
            convs += [nn.Conv1d(cin, cout, k, stride=s, bias=False), nn.BatchNorm1d(cout), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*convs)
        self.pool = pool
        # Fixed constants (Sub and Mul by constants in the ONNX graph): RR in seconds and ratios on one scale.
        self.register_buffer("rr_mean", torch.tensor(rr_mean, dtype=torch.float32))
        # rr_mask zeroes the features left out.
        self.register_buffer("rr_scale", torch.tensor(rr_mask or [1.0] * len(rr_mean), dtype=torch.float32) / torch.tensor(rr_std, dtype=torch.float32))
        width = layers[-1][1] * (1 if pool == "mean" else columns)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(width + len(rr_mean), hidden), nn.ReLU(inplace=True), nn.Linear(hidden, len(CLASSES)))

    def forward(self, beat, rr):
        f = self.features(beat)
        f = f.mean(dim=2) if self.pool == "mean" else torch.flatten(f, 1)
        return self.head(torch.cat([f, (rr - self.rr_mean) * self.rr_scale], dim=1))


def conv_columns(layers, n=256):
    for _, _, k, s in layers:
        n = (n - k) // s + 1
    return n


def macs(model, layers):
    """Multiply-accumulates per beat: the convolutions (over their output columns) and the linears."""
    total, n = 0, 256
    for cin, cout, k, s in layers:
        n = (n - k) // s + 1
        total += n * cout * cin * k
    return total + sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))


DATASETS = {"beats-aami-ds1-train": ("mitdb", "ds1-train"), "beats-aami-ds1-val": ("mitdb", "ds1-val"), "beats-aami-ds2-test": ("mitdb", "ds2-test"), "beats-aami-svdb": ("svdb", "all")}


def load(name):
    d = os.path.join("/tmp/ecgc-datasets", name)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    return np.load(os.path.join(d, "X.npy")), np.load(os.path.join(d, "rr.npy")).astype(np.float32), np.load(os.path.join(d, "y.npy")).astype(np.int64), meta


def ensure_datasets():
    """Builds the datasets with `ecgc data` where missing (dist/ must be built: npm ci)."""
    for name, (db, split) in DATASETS.items():
        if not os.path.exists(os.path.join("/tmp/ecgc-datasets", name, "meta.json")):
            subprocess.run(["node", os.path.join(ROOT, "dist", "cli", "main.js"), "data", os.path.join(ROOT, "..", "shared", "data", db), "--task", "beats-aami",
                            "--split", split, "--out", os.path.join("/tmp/ecgc-datasets", name)], check=True)


def record_of_each_beat(x, db, records):
    """The datasets do not say which record each beat comes from: records.mjs writes each record's
    windows alone (the same code), and each beat is matched to its record by its window's bytes."""
    out = os.path.join("/tmp/ecgc-datasets", "patch-beats-records", db)
    if not all(os.path.exists(os.path.join(out, f"{r}.f32")) for r in records):
        subprocess.run(["node", os.path.join(OUT, "records.mjs"), os.path.join(ROOT, "..", "shared", "data", db), out, *records], check=True, stdout=subprocess.DEVNULL)
    owner = {}
    for r in records:
        for row in np.fromfile(os.path.join(out, f"{r}.f32"), dtype=np.float32).reshape(-1, x.shape[2]):
            owner[row.tobytes()] = r
    found = np.array([owner.get(row.tobytes(), "") for row in x[:, 0]])
    if (found == "").any():
        sys.exit(f"{db}: {(found == '').sum()} beats match no record's windows")
    return found


def augment_beat(x):
    """Small changes a patch sees between patients and electrodes: gain x0.8..1.25, offset +-0.1,
    noise 0.05 (the windows are z-scored), and a shift of up to 3 samples (the R peak detector's jitter)."""
    n = x.shape[0]
    gain = torch.exp(torch.empty(n, 1, 1).uniform_(-0.22, 0.22))
    offset = torch.empty(n, 1, 1).uniform_(-0.1, 0.1)
    shift = int(torch.randint(-3, 4, (1,)))
    x = torch.roll(x, shift, dims=2)
    return x * gain + offset + 0.05 * torch.randn_like(x)


def stretch(x, amount=0.1):
    """Resamples each window about its R peak (sample 90) by x(1 +- amount): QRS, P and T widths
    and the PR interval vary between patients and with the heart rate."""
    n, _, length = x.shape
    scale = 1 + torch.empty(n, 1).uniform_(-amount, amount)
    t = torch.arange(length, dtype=torch.float32).view(1, -1)
    source = (90 + (t - 90) * scale).clamp(0, length - 1)
    low = source.floor().long().clamp(max=length - 2)
    frac = (source - low).unsqueeze(1)
    a, b = torch.gather(x, 2, low.unsqueeze(1)), torch.gather(x, 2, (low + 1).unsqueeze(1))
    return a + (b - a) * frac


def augment_rr(rr):
    """Jitters the previous and next intervals (+-3%) and the local mean (+-2%) and recomputes the
    ratios; the long mean (previous / its ratio) is kept."""
    n = rr.shape[0]
    prev = rr[:, 0] * (1 + 0.03 * torch.randn(n))
    nxt = rr[:, 1] * (1 + 0.03 * torch.randn(n))
    local = rr[:, 2] * (1 + 0.02 * torch.randn(n))
    long_ = rr[:, 0] / rr[:, 6]
    return torch.stack([prev, nxt, local, prev / local, nxt / local, prev / nxt, prev / long_, nxt / long_, local / long_], dim=1)


def predict(model, x, rr, batch=2048):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(x[i:i + batch]), torch.from_numpy(rr[i:i + batch])) for i in range(0, len(x), batch)]).numpy()


def figures(truth, scores):
    """Per class sensitivity (recall) and positive predictivity (precision), counts, confusion matrix."""
    predicted = scores.argmax(1)
    k = len(CLASSES)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    per = []
    for c, name in enumerate(CLASSES):
        tp, support, called = confusion[c, c], confusion[c].sum(), confusion[:, c].sum()
        per.append({"name": name, "support": int(support), "predicted": int(called),
                    "sensitivity": float(tp / support) if support else None, "positivePredictivity": float(tp / called) if called else None})
    return {"beats": int(len(truth)), "accuracy": float(np.trace(confusion) / len(truth)), "perClass": per, "confusion": confusion.tolist()}


def selection_score(f):
    """What the variants and epochs are chosen by: over S and V, (2 sensitivity + positive
    predictivity) / 3; the targets are sensitivities, but not at any price in false alarms."""
    per = {c["name"]: c for c in f["perClass"]}
    return float(np.mean([(2 * per[c]["sensitivity"] + (per[c]["positivePredictivity"] or 0)) / 3 for c in ("S", "V")]))


def short(f):
    per = {c["name"]: c for c in f["perClass"]}
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}"
    return "  ".join(f"{c} Se {pct(per[c]['sensitivity'])} +P {pct(per[c]['positivePredictivity'])}" for c in ("N", "S", "V", "F")) + f"  acc {100 * f['accuracy']:.1f}"


def fit(model, v, x, rr, y, val, start, stop=None):
    """Trains model on (x, rr, y) with variant v's recipe. With val = (x, rr, y) of the held-out
    patients: returns the model and (score, weights, figures, epoch) of the epoch with the best
    selection score; with val None: returns the model (its weight average with ema) after `stop` epochs."""
    # Class balance by sampling: each epoch draws 80,000 beats, class c with probability
    # proportional to count_c ** (1 - balance) (balance 1: every class equally often), or probs[c].
    counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float64)
    shares = counts ** (1 - v["balance"]) if v["probs"] is None else np.array(v["probs"])
    per_beat = (shares / counts)[y]
    per_beat /= per_beat.sum()
    rng = np.random.default_rng(0)
    epochs, batch, draw = v["epochs"], 256, 80000
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=epochs * (draw // batch))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    xt, rt, yt = torch.from_numpy(x), torch.from_numpy(rr), torch.from_numpy(y)
    best = (-1.0, None, None, 0)
    # ema: an exponential moving average of the weights (and BatchNorm's statistics), validated and kept instead.
    ema = copy.deepcopy(model) if v["ema"] else None
    for epoch in range(epochs):
        model.train()
        order = torch.from_numpy(rng.choice(len(y), size=draw, p=per_beat))
        total = 0.0
        for i in range(0, draw - batch + 1, batch):
            idx = order[i:i + batch]
            optimizer.zero_grad()
            beats = augment_beat(xt[idx] if not v["stretch"] else stretch(xt[idx], v["stretch"]))
            loss = loss_fn(model(beats, augment_rr(rt[idx])), yt[idx])
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item()
            if ema is not None:
                with torch.no_grad():
                    for e, t in zip(ema.state_dict().values(), model.state_dict().values()):
                        e.copy_(e * 0.998 + t * 0.002 if e.is_floating_point() else t)
        kept = model if ema is None else ema
        if val is None:  # the retraining on every patient: stops at the epoch chosen on validation
            print(f"epoch {epoch + 1}/{stop} loss {total / (draw // batch):.4f}  ({time.time() - start:.0f} s)", flush=True)
            if epoch + 1 == stop:
                return kept.eval(), None
            continue
        f = figures(val[2], predict(kept, val[0], val[1]))
        score = selection_score(f)
        print(f"epoch {epoch + 1}/{epochs} loss {total / (draw // batch):.4f}  val score {100 * score:.2f}  {short(f)}  ({time.time() - start:.0f} s)", flush=True)
        if score > best[0]:
            best = (score, {k: t.clone() for k, t in kept.state_dict().items()}, f, epoch + 1)
    return model, best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", default=CHOSEN, choices=sorted(VARIANTS))
    parser.add_argument("--explore", action="store_true", help="validation figures only: no DS2, nothing written here")
    parser.add_argument("--threads", type=int, default=1)  # the 2 cores are shared: 1 thread ran faster than 2
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    v = VARIANTS[args.variant]
    start = time.time()
    np.random.seed(0)
    torch.manual_seed(0)

    ensure_datasets()
    x1, r1, y1, meta = load("beats-aami-ds1-train")
    xv, rv, yv, _ = load("beats-aami-ds1-val")
    xs, rs, ys, meta_svdb = load("beats-aami-svdb")
    rec1, recv = record_of_each_beat(x1, "mitdb", DS1), record_of_each_beat(xv, "mitdb", DS1)
    recs = record_of_each_beat(xs, "svdb", meta_svdb["records"])
    held_svdb = meta_svdb["records"][HELD_OUT_SVDB_EVERY - 1::HELD_OUT_SVDB_EVERY]
    out1, outv, outs = np.isin(rec1, HELD_OUT_DS1), np.isin(recv, HELD_OUT_DS1), np.isin(recs, held_svdb)
    # Training: DS1-train and SVDB without the held-out patients. Validation (selection): every beat
    # of the held-out patients (across patient); ds1-val's other beats (same patients) are reported too.
    x = np.concatenate([x1[~out1], xs[~outs]]); rr = np.concatenate([r1[~out1], rs[~outs]]); y = np.concatenate([y1[~out1], ys[~outs]])
    vx = np.concatenate([x1[out1], xv[outv], xs[outs]]); vrr = np.concatenate([r1[out1], rv[outv], rs[outs]]); vy = np.concatenate([y1[out1], yv[outv], ys[outs]])
    print(f"train {len(y)} beats {np.bincount(y, minlength=5).tolist()}; held-out patients ({' '.join(HELD_OUT_DS1 + held_svdb)}) {len(vy)} beats {np.bincount(vy, minlength=5).tolist()}", flush=True)

    columns = conv_columns(v["layers"])
    model = BeatNet(v["layers"], rr.mean(0), rr.std(0), pool=v["pool"], hidden=v["hidden"], columns=columns, rr_mask=v["rr_mask"])
    params = sum(p.numel() for p in model.parameters())
    print(f"variant {args.variant}: {params} parameters, {macs(model, v['layers'])} MACs per beat", flush=True)

    model, best = fit(model, v, x, rr, y, (vx, vrr, vy), start)
    model.load_state_dict(best[1])
    model.eval()
    seconds = time.time() - start
    same = ~outv
    same_patient = figures(yv[same], predict(model, xv[same], rv[same]))
    print(f"kept epoch {best[3]}: held-out patients score {100 * best[0]:.2f}  {short(best[2])}")
    print(f"ds1-val (same patients): {short(same_patient)}")
    summary = {"variant": args.variant, "tried": TRIED, "crossValidatedRrFeatures": CROSS_VALIDATED, **{k: (val if k != "layers" else [list(l) for l in val]) for k, val in v.items()}, "params": params,
               "macsPerBeat": macs(model, v["layers"]), "epochKept": best[3], "trainingSeconds": round(seconds, 1), "validationScore": best[0],
               "validationHeldOutPatients": best[2], "validationDs1ValSamePatients": same_patient}
    # Where the held-out patients' errors are: per record, its beats and the N beats called S or V.
    held = np.concatenate([rec1[out1], recv[outv], recs[outs]])
    called = predict(model, vx, vrr).argmax(1)
    print("held-out records (beats, N->S, N->V, S->S/S, V->V/V):", "; ".join(
        f"{r} {np.sum(held == r)} {np.sum((held == r) & (vy == 0) & (called == 1))} {np.sum((held == r) & (vy == 0) & (called == 2))} "
        f"{np.sum((held == r) & (vy == 1) & (called == 1))}/{np.sum((held == r) & (vy == 1))} {np.sum((held == r) & (vy == 2) & (called == 2))}/{np.sum((held == r) & (vy == 2))}" for r in HELD_OUT_DS1 + held_svdb))
    mit = np.isin(held, HELD_OUT_DS1)
    print(f"held-out MIT-BIH records: {short(figures(vy[mit], predict(model, vx[mit], vrr[mit])))}")
    print(f"held-out SVDB records: {short(figures(vy[~mit], predict(model, vx[~mit], vrr[~mit])))}")
    if args.explore:
        os.makedirs("/tmp/patch-beats-variants", exist_ok=True)
        torch.save(model.state_dict(), f"/tmp/patch-beats-variants/{args.variant}.pt")
        with open(f"/tmp/patch-beats-variants/{args.variant}.json", "w") as f:
            json.dump(summary, f, indent=1)
        return

    # The final model: the same recipe on every patient (the held-out ones too: more patients to
    # generalise from), stopped at the epoch kept on validation above.
    xa, rra, ya = np.concatenate([x1, xs]), np.concatenate([r1, rs]), np.concatenate([y1, ys])
    print(f"retraining on every patient: {len(ya)} beats {np.bincount(ya, minlength=5).tolist()}, {best[3]} epochs", flush=True)
    torch.manual_seed(0)
    model = BeatNet(v["layers"], rra.mean(0), rra.std(0), pool=v["pool"], hidden=v["hidden"], columns=columns, rr_mask=v["rr_mask"])
    model, _ = fit(model, v, xa, rra, ya, None, start, stop=best[3])
    summary["trainingSeconds"] = round(time.time() - start, 1)
    summary["final"] = f"retrained on DS1-train and all of SVDB ({len(ya)} beats) for the {best[3]} epochs kept on validation"
    summary["finalDs1Val"] = figures(yv, predict(model, xv, rv))
    print(f"final model, ds1-val (its patients): {short(summary['finalDs1Val'])}")

    path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(model, (torch.zeros(2, 1, 256), torch.ones(2, rra.shape[1])), path, input_names=["beat", "rr"], output_names=["scores"],
                      dynamic_axes={"beat": {0: "N"}, "rr": {0: "N"}, "scores": {0: "N"}}, opset_version=17, do_constant_folding=True)
    add_metadata(path, meta)
    # DS2: the test set, looked at once, for this final model.
    tx, trr, ty, meta_test = load("beats-aami-ds2-test")
    torch_scores = predict(model, tx, trr)
    test = figures(ty, torch_scores)
    print(f"DS2 (test, torch): {short(test)}")
    print("confusion (rows true N S V F Q, columns predicted):", test["confusion"])
    summary["testDs2Torch"] = test
    summary["retrain"] = RETRAIN
    with open(os.path.join(OUT, "training.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    write_beat_card(path, meta, meta_test, torch_scores.argmax(1), summary, v)


def write_beat_card(path, meta, meta_test, torch_predictions, summary, v):
    """The card from `ecgc eval` on DS2 (the TS reference: the device's figures), beside torch's."""
    card = evaluate_export(path, os.path.join("/tmp/ecgc-datasets", "beats-aami-ds2-test"), meta_test, torch_predictions)
    card.update(epochs=summary["epochKept"], trainingSeconds=summary["trainingSeconds"])
    pct = lambda x: f"{100 * x:.1f}%"
    se_p = lambda f, c: f"Se {pct(f['perClass'][c]['recall'])}, +P {pct(f['perClass'][c]['precision'])}"
    val = summary["validationHeldOutPatients"]
    vse = lambda c: f"Se {pct(val['perClass'][c]['sensitivity'])}, +P {pct(val['perClass'][c]['positivePredictivity'])}"
    layers = ", ".join(f"{cin}->{cout} k={k} s={s}" for cin, cout, k, s in v["layers"])
    rows = [("task", f"`beats-aami` (AAMI EC57: {', '.join(meta['classes'])}), de Chazal's inter-patient split"),
            ("data", f"train: MIT-BIH DS1 (`ds1-train`) and every SVDB record (`all`), {summary['final']}; test: DS2, looked at once per model (the features were chosen again after the first look: see 'Against the targets')"),
            ("inputs", "`beat` [N, 1, 256]: 360 Hz, R peak at sample 90, z-scored; `rr` [N, 9]: the beat's RR features (src/data/beats.ts: previous, next and local mean RR in s, their ratios, and the ratios to a long mean, an exponential mean over the previous beats)"),
            ("layers", f"Conv1d+BN+ReLU {layers}; mean over time; concatenated with the normalised RR features; Linear {v['hidden']} + ReLU; Linear 5"),
            ("size", f"{card['params']:,} parameters, {card['macs']:,} MACs per beat"),
            ("selection", f"variant and epoch by held-out patients (DS1 {' '.join(HELD_OUT_DS1)} and every {HELD_OUT_SVDB_EVERY}th SVDB record): S {vse(1)}; V {vse(2)}")]
    s_sup = val["perClass"][1]["support"]
    verdict = ["## Against the targets", "",
               f"The targets are S Se >= 85% and V Se >= 96% on DS2. This model reaches **S {se_p(card, 1)}** and **V {se_p(card, 2)}**.",
               f"On the held-out patients its epoch was chosen by ({s_sup} S beats, most of them SVDB's) S sensitivity was {pct(val['perClass'][1]['sensitivity'])}.", "",
               "Flagged: the first model of this card, with six RR features, scored S Se 32.8% (+P 29.6%), V Se 94.9% (+P 73.1%) on DS2,",
               "where those held-out patients had promised 82% S sensitivity. That one look at DS2 is why the features were examined",
               "again, by a 4-fold cross-validation over DS1's records (all 944 of its S beats), which predicted the six features'",
               "DS2 figure (40% S sensitivity) and chose nine (`train.py` CROSS_VALIDATED: pooled S Se/+P, V Se/+P, score):", "",
               "| RR features | cross-validated on DS1 |", "|---|---|"] + [f"| {k} | {v} |" for k, v in CROSS_VALIDATED.items()] + [""]
    write_card(OUT, "ECG-patch beat model (AAMI EC57, across patients)",
               "The patch's beat classifier: each detected beat's window and its RR intervals, classes N, S, V, F, Q, trained on other patients than it is tested on.",
               rows, [figures_section("Test figures (DS2, inter-patient)", "model.onnx", card, meta["classes"]), verdict], {"model.onnx": card}, summary["trainingSeconds"], RETRAIN)


if __name__ == "__main__":
    main()
