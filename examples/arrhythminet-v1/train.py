#!/usr/bin/python3
"""ArrhythmiNet V1 on beats-nlrav. Run from the repository root:
    /usr/bin/python3 examples/arrhythminet-v1/train.py"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from arrhythminet import V1  # noqa: E402
from beats import train_beats  # noqa: E402

train_beats(
    "ArrhythmiNet V1",
    "A MobileNet-style depthwise-separable 1-D CNN for single heartbeats, sized like ArrhythmiaVision's ArrhythmiNet V1 "
    "(302.18 KB of float32 weights): a stride-2 stem convolution (k=7), six depthwise (k=5) + pointwise blocks, global "
    "average pooling and a linear classifier; BatchNorm is folded into the convolutions on export. For the honest split by "
    "record (no patient in two splits), see examples/arrhythminet-v2: the same recipe with V2 falls to 66.10% accuracy "
    "there (LBBB and RBBB beats of unseen patients are not recognised).",
    V1, "beats-nlrav",
    [("Test figures, split random (as the paper)", "model.onnx", ("random-train", "random-val", "random-test"))],
    10, "/usr/bin/python3 examples/arrhythminet-v1/train.py", os.path.dirname(os.path.abspath(__file__)), batch=256)
