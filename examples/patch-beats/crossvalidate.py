#!/usr/bin/python3
"""How the RR features of the patch's beat model were chosen: a 4-fold cross-validation over the
records (patients) of MIT-BIH DS1, never DS2. Each fold trains train.py's recipe (probs-ema, 14
epochs, the last kept) on the other DS1 records and every SVDB record, and is scored on every beat
of its held-out records; the figures are pooled over the folds (all of DS1's S beats). Variants:
`six` (the first six RR features; the other three masked to zero) and `nine` (all of
src/data/beats.ts RR_FEATURES). Run from the repository root, after `npm ci`:
    /usr/bin/python3 examples/patch-beats/crossvalidate.py six
    /usr/bin/python3 examples/patch-beats/crossvalidate.py nine
Each prints per-fold and pooled figures and train.py's selection score (about 5 minutes, 1 thread)."""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402

# Hand-balanced by record (6/6/5/5): S (209 alone has 383 S beats), V, the bundle branch block
# records (109 118 124 207) and 208's F beats spread over the folds.
FOLDS = [["106", "108", "112", "115", "209", "230"], ["101", "116", "118", "122", "201", "208"],
         ["114", "119", "203", "207", "220"], ["109", "124", "205", "215", "223"]]
MASKS = {"six": [1, 1, 1, 1, 1, 1, 0, 0, 0], "nine": None}
EPOCHS = 14


def main():
    variant = sys.argv[1] if len(sys.argv) == 2 and sys.argv[1] in MASKS else sys.exit(f"usage: crossvalidate.py {'|'.join(MASKS)}")
    assert sorted(sum(FOLDS, [])) == sorted(T.DS1)
    torch.set_num_threads(1)
    T.ensure_datasets()
    x1, r1, y1, _ = T.load("beats-aami-ds1-train")
    xv, rv, yv, _ = T.load("beats-aami-ds1-val")
    xs, rs, ys, meta_svdb = T.load("beats-aami-svdb")
    rec = np.concatenate([T.record_of_each_beat(x1, "mitdb", T.DS1), T.record_of_each_beat(xv, "mitdb", T.DS1)])
    x, rr, y = np.concatenate([x1, xv]), np.concatenate([r1, rv]), np.concatenate([y1, yv])
    recipe = {**T.VARIANTS[T.CHOSEN], "epochs": EPOCHS}
    truth, scores, start = [], [], time.time()
    for k, fold in enumerate(FOLDS):
        out = np.isin(rec, fold)
        tx, trr, ty = np.concatenate([x[~out], xs]), np.concatenate([rr[~out], rs]), np.concatenate([y[~out], ys])
        np.random.seed(0)
        torch.manual_seed(0)
        model = T.BeatNet(recipe["layers"], trr.mean(0), trr.std(0), pool=recipe["pool"], hidden=recipe["hidden"], rr_mask=MASKS[variant])
        model, _ = T.fit(model, recipe, tx, trr, ty, None, start, stop=EPOCHS)
        fold_scores = T.predict(model, x[out], rr[out])
        print(f"fold {k} ({' '.join(fold)}): {T.short(T.figures(y[out], fold_scores))}", flush=True)
        truth.append(y[out])
        scores.append(fold_scores)
    pooled = T.figures(np.concatenate(truth), np.concatenate(scores))
    print(f"pooled {variant}: {T.short(pooled)}  score {100 * T.selection_score(pooled):.2f}  ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
