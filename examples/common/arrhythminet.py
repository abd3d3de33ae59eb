"""ArrhythmiNet (ArrhythmiaVision, Baig et al.): a MobileNet-style depthwise-separable 1-D CNN
for single beats. A strided stem convolution, blocks of depthwise (k=5) + pointwise
convolutions each followed by BatchNorm (folded into the convolutions on export) and ReLU,
global average pooling, dropout and a linear classifier."""
import torch.nn as nn


def conv_bn_relu(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv1d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
                         nn.BatchNorm1d(cout), nn.ReLU(inplace=True))


class ArrhythmiNet(nn.Module):
    def __init__(self, stem, blocks, classes=5, dropout=0.2):
        super().__init__()
        layers = [conv_bn_relu(1, stem, 7, stride=2)]
        cin = stem
        for cout, stride in blocks:
            layers += [conv_bn_relu(cin, cin, 5, stride=stride, groups=cin), conv_bn_relu(cin, cout, 1)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin, classes))

    def forward(self, x):
        return self.head(self.pool(self.features(x)))


# Sized to the paper's float32 footprints: 302.18 KB (77.4k parameters) and 157.76 KB (39.4k),
# counted after BatchNorm folding (each convolution then has a bias).
V1 = dict(stem=32, blocks=[(64, 1), (96, 2), (120, 1), (128, 2), (128, 1), (160, 2)])
V2 = dict(stem=24, blocks=[(48, 1), (72, 2), (96, 1), (112, 2), (128, 1)])


def deployed_parameters(model):
    """Parameters after export: BatchNorm folded into the preceding convolution's weight and bias."""
    total = 0
    for m in model.modules():
        if isinstance(m, nn.Conv1d):
            total += m.weight.numel() + m.out_channels
        elif isinstance(m, nn.Linear):
            total += m.weight.numel() + m.out_features
    return total
