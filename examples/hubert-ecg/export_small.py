#!/usr/bin/python3
"""HuBERT-ECG "small" at full size (hubert.py, SMALL: 8 layers of 512, 30 M parameters) with
random weights, seed 0, exported to ONNX: no pretrained weights can be fetched here, and what
this checks is that ecgc imports, compresses and compiles the published architecture. Input
[1, 1, 6000]: 12 leads x 5 s at 100 Hz, concatenated lead after lead as HuBERT-ECG takes them;
output: the last hidden states [1, 93, 512]. Run from the repository root:
    /usr/bin/python3 examples/hubert-ecg/export_small.py /tmp/hubert-ecg-small.onnx"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubert import SMALL, HubertEcg, for_export  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/hubert-ecg-small.onnx"
torch.manual_seed(0)
model = for_export(HubertEcg(SMALL))
x = torch.randn(1, 1, 6000)
with torch.no_grad():
    hidden = model(x)
torch.onnx.export(model, x, out, opset_version=17, input_names=["ecg"], output_names=["hidden"])
print(f"{out}: {sum(p.numel() for p in model.parameters()):,} parameters, output {list(hidden.shape)}")
