"""For test/examples/hubert-ecg.test.ts: the wearable HuBERT-ECG classifier (random weights, seed
0, batch-norm statistics moved off their defaults by one pass in training mode) exported as its
fine-tuning exports it, with torch's scores of the windows given, and HuBERT-ECG small at full
size. Usage: hubert_export.py <windows.npy> <out dir>"""
import os
import sys

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples", "hubert-ecg"))
sys.path.insert(0, os.path.join(ROOT, "examples", "common"))
from ecgtrain import export  # noqa: E402
from hubert import SMALL, WEARABLE, Classifier, HubertEcg, for_export  # noqa: E402

windows, out = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
x = np.load(windows).astype(np.float32)
model = Classifier(HubertEcg(WEARABLE), 4, x.shape[2] // 3600)
model.train()
with torch.no_grad():
    model(torch.randn(8, 1, x.shape[2]))
for_export(model)
meta = {"task": "cinc2017", "classes": ["normal", "af", "other", "noisy"], "samplingRate": 360, "window": {"samples": x.shape[2], "seconds": x.shape[2] / 360},
        "leads": ["I"], "preprocessing": {"units": "mV", "resample": None, "normalize": None, "padTo": None}}
export(model, os.path.join(out, "wearable.onnx"), x.shape[1:], meta)
with torch.no_grad():
    np.save(os.path.join(out, "torch.npy"), model(torch.from_numpy(x)).numpy())
small = for_export(HubertEcg(SMALL))
torch.onnx.export(small, torch.zeros(1, 1, 6000), os.path.join(out, "small.onnx"), opset_version=17, input_names=["ecg"], output_names=["hidden"])
