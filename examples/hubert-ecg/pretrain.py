#!/usr/bin/python3
"""Pretrains the wearable HuBERT-ECG model (hubert.py, WEARABLE) without labels, by HuBERT's
masked prediction, on every lead of mitdb, svdb, cinc2017 and cpsc2018 as `ecgc data --task
unlabelled --split pretrain` cuts them (10-s windows at 360 Hz in mV; the records that the
cinc2017 and rhythm tasks hold out for validation and test are left out). Run from the
repository root:
    /usr/bin/python3 examples/hubert-ecg/pretrain.py [--steps N] [--threads T]

Iteration 1 predicts k-means clusters of signal features of each 200-ms frame; iteration 2
predicts k-means clusters of iteration 1's hidden features (its middle layer), as HuBERT does.
Masked frames are replaced by a learned embedding; the loss is cross-entropy over the clusters
at the masked frames, by cosine similarity to the clusters' embeddings (temperature 0.1).
Checkpoints go to --cache after every 250 steps, and a run resumes from them. Install
libopenblas0-openmp first: without it Debian's torch multiplies with the reference BLAS, and a
step takes 1.7 s instead of 0.22 s on this machine's 2 cores. Writes
examples/hubert-ecg/pretrained.pt (the backbone's weights) and pretrain.json (the corpus, the
steps, the losses and the time)."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from ecgtrain import DEFAULT_DATA, ecgc  # noqa: E402
from hubert import WEARABLE, HubertEcg  # noqa: E402

DATABASES = ("mitdb", "svdb", "cinc2017", "cpsc2018")
FRAME = 72  # samples a frame at 360 Hz (200 ms)
MASK_START, MASK_SPAN = 0.08, 5  # HuBERT's span masking, scaled to 50 frames: about 35% masked
CLUSTERS = (64, 100)  # iteration 1 on signal features, iteration 2 on hidden features
HIDDEN_LAYER = 2  # iteration 2 clusters the output of this layer (of 4)


def corpus(data, cache):
    """The unlabelled windows of every database, [N, 1, 3600] float32, and their description."""
    arrays, made = [], []
    for db in DATABASES:
        out = os.path.join(cache, f"unlabelled-{db}")
        if not os.path.exists(os.path.join(out, "meta.json")):
            ecgc("data", os.path.join(data, db), "--task", "unlabelled", "--split", "pretrain", "--out", out)
        arrays.append(np.load(os.path.join(out, "X.npy"), mmap_mode="r"))
        with open(os.path.join(out, "meta.json")) as f:
            made.append({"database": db, "windows": len(arrays[-1]), "howMade": json.load(f)["howMade"]})
    return np.concatenate(arrays).astype(np.float32), made


def signal_features(x):
    """Per 200-ms frame of windows x [N, 1, 3600]: its shape (8 means of 9 samples, 40 Hz), its
    slope energy and band energies of the second around it, each window scaled by its own
    spread (amplitude differs between leads and recorders, the shape is what is shared)."""
    n, samples = x.shape[0], x.shape[2]
    frames = samples // FRAME
    s = x[:, 0, :]
    s = (s - np.median(s, axis=1, keepdims=True)) / (np.percentile(np.abs(s - np.median(s, axis=1, keepdims=True)), 90, axis=1, keepdims=True) + 1e-3)
    shape = s.reshape(n, frames, 8, 9).mean(3)
    slope = np.log1p(np.abs(np.diff(s, axis=1, append=s[:, -1:])).reshape(n, frames, FRAME).sum(2, keepdims=True))
    padded = np.pad(s, ((0, 0), (144, 144)), mode="edge")
    context = np.stack([padded[:, f * FRAME:f * FRAME + 360] for f in range(frames)], axis=1)  # 1 s centred
    spectrum = np.abs(np.fft.rfft(context * np.hanning(360), axis=2)) ** 2  # 1-Hz bins
    bands = np.stack([spectrum[:, :, lo:hi].sum(2) for lo, hi in ((0, 3), (3, 8), (8, 15), (15, 25), (25, 45))], axis=2)
    return np.concatenate([shape, slope, np.log1p(bands)], axis=2).astype(np.float32)


def kmeans(features, k, seed, iterations=25, sample=200_000):
    """Lloyd's k-means on a sample of frames (k-means++ start); returns the centroids."""
    rng = np.random.default_rng(seed)
    x = features[rng.choice(len(features), min(sample, len(features)), replace=False)]
    centroids = [x[rng.integers(len(x))]]
    distance = ((x - centroids[0]) ** 2).sum(1)
    for _ in range(1, k):
        centroids.append(x[rng.choice(len(x), p=distance / distance.sum())])
        distance = np.minimum(distance, ((x - centroids[-1]) ** 2).sum(1))
    c = np.stack(centroids)
    for _ in range(iterations):
        labels = assign(x, c)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c[j] = members.mean(0)
    return c


def assign(x, centroids, batch=200_000):
    out = np.empty(len(x), dtype=np.int64)
    c2 = (centroids ** 2).sum(1)
    for i in range(0, len(x), batch):
        out[i:i + batch] = np.argmin(c2[None, :] - 2 * x[i:i + batch] @ centroids.T, axis=1)
    return out


def in_chunks(function, x, chunk=2048):
    return np.concatenate([function(x[i:i + chunk]) for i in range(0, len(x), chunk)])


def cached_targets(name, cache, make):
    """Cluster ids and their description, made once per cache (k-means is deterministic here)."""
    file = os.path.join(cache, f"{name}.npz")
    if not os.path.exists(file):
        targets, info = make()
        np.savez(file + ".tmp.npz", targets=targets, info=json.dumps(info))
        os.replace(file + ".tmp.npz", file)
    saved = np.load(file)
    return saved["targets"], json.loads(str(saved["info"]))


def targets_from(features, k, seed):
    """Cluster ids [N, frames] of frame features [N, frames, F] (features standardised first)."""
    n, frames, dim = features.shape
    flat = features.reshape(-1, dim)
    flat = (flat - flat.mean(0)) / (flat.std(0) + 1e-6)
    centroids = kmeans(flat, k, seed)
    labels = assign(flat, centroids)
    used = np.bincount(labels, minlength=k)
    return labels.reshape(n, frames), {"clusters": k, "used": int((used > 0).sum()), "largestShare": float(used.max() / used.sum())}


def hidden_features(model, x):
    model.eval()
    with torch.no_grad():
        return in_chunks(lambda xb: model.contextual(model.frames(torch.from_numpy(np.ascontiguousarray(xb))), upto=HIDDEN_LAYER).numpy(), x, chunk=256)


def span_mask(batch, frames, generator):
    starts = torch.rand(batch, frames, generator=generator) < MASK_START
    mask = torch.zeros(batch, frames, dtype=torch.bool)
    for offset in range(MASK_SPAN):
        mask[:, offset:] |= starts[:, :frames - offset]
    return mask


class Pretrainer(nn.Module):
    """The backbone and HuBERT's prediction head: projection to 64, cosine to cluster embeddings."""

    def __init__(self, backbone, clusters):
        super().__init__()
        self.backbone = backbone
        self.project = nn.Linear(backbone.config["dim"], 64)
        self.embeddings = nn.Parameter(torch.randn(clusters, 64))

    def loss(self, x, targets, mask):
        h = self.backbone.frames(x)
        h = torch.where(mask[:, :, None], self.backbone.mask_embedding.expand_as(h), h)
        h = self.backbone.contextual(h)
        logits = F.cosine_similarity(self.project(h)[:, :, None, :], self.embeddings[None, None], dim=3) / 0.1
        return F.cross_entropy(logits[mask], targets[mask])


def augment(x, generator, drift=0.0, noise=0.0):
    """Gain x0.5..2 either sign, an offset of +-1 mV and (fine-tuning) a linear drift of +-drift mV
    over the window and `noise` mV of noise: the recordings' differences a model should ignore."""
    n = x.shape[0]
    sign = torch.where(torch.rand(n, 1, 1, generator=generator) < 0.5, -1.0, 1.0)
    gain = torch.exp(torch.empty(n, 1, 1).uniform_(-0.7, 0.7, generator=generator)) * sign
    x = x * gain + torch.empty(n, 1, 1).uniform_(-1, 1, generator=generator)
    if drift:
        x = x + torch.empty(n, 1, 1).uniform_(-drift, drift, generator=generator) * torch.linspace(-1, 1, x.shape[2]).view(1, 1, -1)
    return x + noise * torch.randn(x.shape, generator=generator) if noise else x


def run_iteration(iteration, x, targets, steps, args):
    ckpt = os.path.join(args.cache, f"pretrain-iteration{iteration}.pt")
    torch.manual_seed(iteration)
    backbone = HubertEcg(WEARABLE)
    trainer = Pretrainer(backbone, int(targets.max()) + 1)
    optimizer = torch.optim.AdamW(trainer.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=steps, pct_start=0.08)
    state = {"step": 0, "losses": [], "seconds": 0.0}
    if os.path.exists(ckpt):
        saved = torch.load(ckpt)
        trainer.load_state_dict(saved["trainer"])
        optimizer.load_state_dict(saved["optimizer"])
        schedule.load_state_dict(saved["schedule"])
        state = saved["state"]
        print(f"iteration {iteration}: resumed at step {state['step']} of {steps}", flush=True)
    generator = torch.Generator().manual_seed(1000 * iteration + state["step"])
    order = np.random.default_rng(iteration).permutation(len(x))
    trainer.train()
    t0, running = time.time(), []
    while state["step"] < steps:
        s = state["step"]
        index = np.sort(order[(s * args.batch) % len(x):][:args.batch])
        xb = augment(torch.from_numpy(x[index]), generator)
        mask = span_mask(len(index), targets.shape[1], generator)
        loss = trainer.loss(xb, torch.from_numpy(targets[index]), mask)
        optimizer.zero_grad()
        loss.backward()
        # A step whose gradient is not finite is skipped (counted), as fairseq's HuBERT does.
        if torch.isfinite(nn.utils.clip_grad_norm_(trainer.parameters(), 5.0)):
            optimizer.step()
            running.append(float(loss))
        else:
            state["skipped"] = state.get("skipped", 0) + 1
        schedule.step()
        state["step"] += 1
        if state["step"] % 250 == 0 or state["step"] == steps:
            state["losses"].append([state["step"], float(np.mean(running)) if running else None])
            state["seconds"] += time.time() - t0
            t0, running = time.time(), []
            torch.save({"trainer": trainer.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(), "state": state}, ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)
            print(f"iteration {iteration}: step {state['step']}/{steps}, loss {state['losses'][-1][1]}, skipped {state.get('skipped', 0)}, {state['seconds']:.0f} s", flush=True)
    return backbone, state


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--cache", default="/tmp/ecgc-hubert")
    parser.add_argument("--steps", type=int, nargs=2, default=(3000, 5000), help="steps of iterations 1 and 2")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # Debian's torch 1.13 computes some strided Conv1d weight gradients wrongly through oneDNN
    # (norms of 1e4 to inf where the native path gives 7 on the same batch; not deterministic):
    # pretraining diverged within 250 steps. The native kernels are right.
    torch.backends.mkldnn.enabled = False
    os.makedirs(args.cache, exist_ok=True)
    x, made = corpus(args.data, args.cache)
    hours = len(x) * x.shape[2] / 360 / 3600
    print(f"corpus: {len(x):,} windows, {hours:.1f} h", flush=True)

    report = {"corpus": made, "hours": hours, "config": WEARABLE, "iterations": []}
    targets1, clusters1 = cached_targets("targets1", args.cache, lambda: targets_from(in_chunks(signal_features, x), CLUSTERS[0], seed=1))
    backbone, state1 = run_iteration(1, x, targets1, args.steps[0], args)
    report["iterations"].append({"targets": "k-means of 200-ms frames' signal features", **clusters1, "steps": args.steps[0], "skipped": state1.get("skipped", 0), "losses": state1["losses"], "seconds": state1["seconds"]})

    targets2, clusters2 = cached_targets("targets2", args.cache, lambda: targets_from(hidden_features(backbone, x), CLUSTERS[1], seed=2))
    backbone, state2 = run_iteration(2, x, targets2, args.steps[1], args)
    report["iterations"].append({"targets": f"k-means of iteration 1's layer-{HIDDEN_LAYER} hidden features", **clusters2, "steps": args.steps[1], "skipped": state2.get("skipped", 0), "losses": state2["losses"], "seconds": state2["seconds"]})

    torch.save(backbone.state_dict(), os.path.join(HERE, "pretrained.pt"))
    report.update(batch=args.batch, lr=args.lr, seconds=state1["seconds"] + state2["seconds"])
    with open(os.path.join(HERE, "pretrain.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"pretrained in {report['seconds']:.0f} s: {os.path.join(HERE, 'pretrained.pt')}")


if __name__ == "__main__":
    main()
