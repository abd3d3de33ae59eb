#!/usr/bin/python3
"""ArrhythmiNet V2 on beats-aami, de Chazal's inter-patient split (DS1 to train and validate,
DS2 only to test: nothing is tuned on DS2). Run from the repository root:
    /usr/bin/python3 examples/arrhythminet-v2-aami/train.py"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from arrhythminet import V2  # noqa: E402
from beats import train_beats  # noqa: E402

train_beats(
    "ArrhythmiNet V2, AAMI classes, inter-patient",
    "ArrhythmiNet V2 (see examples/arrhythminet-v2) trained on the AAMI EC57 classes N, S, V, F, Q with the standard "
    "inter-patient split of de Chazal et al.: DS1's records for training (90%) and validation (10% of its beats), DS2's "
    "records only for the test; the paced records 102, 104, 107 and 217 are left out.",
    V2, "beats-aami",
    [("Test figures, DS2 (inter-patient)", "model.onnx", ("ds1-train", "ds1-val", "ds2-test"))],
    4, "/usr/bin/python3 examples/arrhythminet-v2-aami/train.py", os.path.dirname(os.path.abspath(__file__)), batch=256)
