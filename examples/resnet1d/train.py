#!/usr/bin/python3
"""ResNet1D (the layer-wise compression paper's model) on the rhythm task: 10-s MLII windows at
500 Hz, zero-padded to 5,120 samples, four rhythm groups, split by record. Run from the
repository root:
    /usr/bin/python3 examples/resnet1d/train.py"""
import json
import os
import sys

import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from ecgtrain import arguments, figures_section, train_by_record, write_card  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
RETRAIN = "/usr/bin/python3 examples/resnet1d/train.py"


class ResidualBlock(nn.Module):
    """Two Conv1d+BN (k=7) with ReLU between, a shortcut (1x1 strided conv + BN when the shape changes), ReLU after the sum."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(nn.Conv1d(cin, cout, 7, stride=stride, padding=3, bias=False), nn.BatchNorm1d(cout), nn.ReLU(inplace=True),
                                  nn.Conv1d(cout, cout, 7, padding=3, bias=False), nn.BatchNorm1d(cout))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(nn.Conv1d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm1d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


class ResNet1D(nn.Module):
    """Initial Conv1d+BN+ReLU, residual blocks, then a linear layer on the flattened features (with dropout)."""

    def __init__(self, classes, length=5120, dropout=0.3):
        super().__init__()
        blocks = [(16, 16, 1), (16, 32, 2), (32, 32, 2), (32, 64, 2), (64, 64, 2), (64, 64, 2)]
        self.stem = nn.Sequential(nn.Conv1d(1, 16, 15, stride=4, padding=7, bias=False), nn.BatchNorm1d(16), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(*[ResidualBlock(*b) for b in blocks])
        features = 64 * (length // 4 // 32)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(features, classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


args = arguments()
epochs = args.epochs or 6
figures, meta = train_by_record(ResNet1D, "rhythm", OUT, args, epochs, predict_batch=128)
seconds = figures["trainingSeconds"]
rows = [("task", f"`rhythm` ({', '.join(meta['classes'])})"),
        ("data", f"MIT-BIH Arrhythmia Database, lead MLII: {meta['howMade']}"),
        ("input", "[N, 1, 5120]: 10 s at 500 Hz (5,000 samples) and 120 zeros"),
        ("preprocessing", f"`{json.dumps(meta['preprocessing'])}`"),
        ("parameters", f"{figures['params']:,} ({figures['weightBytesFloat32'] / 1024:.2f} KB as float32)"),
        ("MACs per inference", f"{figures['macs']:,}"),
        ("training", f"Adam lr 1e-3, weight decay 1e-3, batch 64, {epochs} epochs, ReduceLROnPlateau on the validation loss, dropout 0.3, cross-entropy weighted by the square root of inverse class frequency, the epoch with the best validation macro F1 kept")]
write_card(OUT, "ResNet1D, rhythm", "A 1-D ResNet as in the layer-wise adaptive compression paper (initial Conv1d+BN, residual blocks of two Conv1d+BN with ReLU and a shortcut, a final linear layer on the flattened features), on MIT-BIH rhythm windows.",
           rows, [figures_section("Test figures, split by record", "model.onnx", figures, meta["classes"])], {"model.onnx": figures}, seconds, RETRAIN)
