#!/usr/bin/python3
"""Makes test/compress-fixture/beatnet.onnx: a small trained beat classifier (N, L, R, A, V) for
the compression tests, trained on synthetic ECG only (src/data/synthetic-windows.ts; no
recordings), so the tests measure real accuracy without ../shared/data. An ArrhythmiNet-style
depthwise-separable CNN (examples/common/arrhythminet.py) of about 2k parameters.

Run from the repository root after `npx tsc -p .`:
    /usr/bin/python3 test/compress-fixture/make_beatnet.py
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples", "common"))
from arrhythminet import ArrhythmiNet  # noqa: E402
from ecgtrain import add_metadata, macro_f1, predict  # noqa: E402

META = {
    "task": "beats-nlrav", "classes": ["N", "L", "R", "A", "V"], "samplingRate": 360,
    "window": {"samples": 256, "rPeakAt": 90, "seconds": 256 / 360}, "leads": ["MLII"],
    "preprocessing": {"units": "mV", "resample": None, "normalize": {"kind": "zscore", "epsilon": 0.001}, "padTo": None},
}

GENERATE = """
import { syntheticWindows } from '%s/dist/data/synthetic-windows.js';
import { writeNpy } from '%s/dist/util/npy.js';
const [out, count, seed] = process.argv.slice(1);
const w = syntheticWindows([1, 256], JSON.parse(process.env.META), Number(count), Number(seed));
writeNpy(out + '/X.npy', w.shape, w.x);
writeNpy(out + '/y.npy', [w.labels.length], w.labels);
""" % (ROOT, ROOT)


def windows(count, seed, tmp):
    out = os.path.join(tmp, f"s{seed}")
    os.makedirs(out)
    subprocess.run(["node", "--input-type=module", "-e", GENERATE, out, str(count), str(seed)], check=True, env={**os.environ, "META": json.dumps(META)})
    return np.load(os.path.join(out, "X.npy")), np.load(os.path.join(out, "y.npy")).astype(np.int64)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        x, y = windows(6000, 11, tmp)
        vx, vy = windows(1500, 12, tmp)
    model = ArrhythmiNet(stem=8, blocks=[(16, 1), (24, 2), (32, 2)], classes=5, dropout=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    rng = np.random.default_rng(0)
    for epoch in range(12):
        model.train()
        order = rng.permutation(len(x))
        for i in range(0, len(order), 128):
            idx = torch.from_numpy(order[i:i + 128])
            optimizer.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            optimizer.step()
        predicted = predict(model, vx)
        print(f"epoch {epoch + 1}: val accuracy {np.mean(predicted == vy):.4f}, macro F1 {macro_f1(vy, predicted, 5):.4f}", flush=True)
    model.eval()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "beatnet.onnx")
    torch.onnx.export(model, (torch.zeros(2, 1, 256),), path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=17, do_constant_folding=True)
    add_metadata(path, META)
    print(f"wrote {path}")


main()
