"""The small strided CNN the ECG-patch firmware runs depth first (examples/rhythm-stream,
examples/patch-rhythm): strided convolutions only, so that each layer keeps just its last
(kernel - 1) input columns, then global average pooling and a linear layer."""
import torch.nn as nn


class StridedStreamCNN(nn.Module):
    """Conv1d+BN+ReLU layers (BatchNorm folded into the convolutions on export), global average
    pooling, dropout, a linear layer; `layers`: (in, out, kernel, stride) each."""

    def __init__(self, layers, classes, dropout=0.2):
        super().__init__()
        convs = []
        for cin, cout, k, s in layers:
            convs += [nn.Conv1d(cin, cout, k, stride=s, padding=k // 2, bias=False), nn.BatchNorm1d(cout), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*convs)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(layers[-1][1], classes))

    def forward(self, x):
        return self.head(self.pool(self.features(x)))
