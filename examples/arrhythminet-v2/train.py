#!/usr/bin/python3
"""ArrhythmiNet V2 on beats-nlrav. Run from the repository root:
    /usr/bin/python3 examples/arrhythminet-v2/train.py"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from arrhythminet import V2  # noqa: E402
from beats import train_beats  # noqa: E402

train_beats(
    "ArrhythmiNet V2",
    "A MobileNet-style depthwise-separable 1-D CNN for single heartbeats, sized like ArrhythmiaVision's ArrhythmiNet V2 "
    "(157.76 KB of float32 weights): a stride-2 stem convolution (k=7), five depthwise (k=5) + pointwise blocks, global "
    "average pooling and a linear classifier; BatchNorm is folded into the convolutions on export.",
    V2, "beats-nlrav",
    [("Test figures, split random (as the paper)", "model.onnx", ("random-train", "random-val", "random-test")),
     ("Test figures, split by record (no patient in two splits: the honest figure)", "model-record-split.onnx", ("record-train", "record-val", "record-test"))],
    6, "/usr/bin/python3 examples/arrhythminet-v2/train.py", os.path.dirname(os.path.abspath(__file__)))
