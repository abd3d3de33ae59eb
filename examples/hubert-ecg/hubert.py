"""A HuBERT-ECG-style model sized for a wearable, and the published "small" configuration.

The layout follows HuBERT-ECG (Coppola et al., 2024), which follows HuBERT: a convolutional
feature encoder (GELU; group norm after its first layer, batch norm after each in WEARABLE), layer norm and a linear projection
of its frames, a relative position embedding by a grouped convolution, then a post-norm
transformer encoder. Attention is written out (no nn.MultiheadAttention) so that the ONNX
export is plain MatMul, Softmax and Reshape over fixed shapes: batch and time stay apart, and
a window longer than the attention span is cut into spans of `span_frames` frames.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# The wearable model: 360 Hz in, frames every 72 samples (5 Hz), attention over 10 s (50 frames).
# Batch norm after every convolution, where HuBERT has group norm after the first only: folded
# into the convolutions in the export, it costs the device nothing, where group norm needs the
# whole window's statistics before the first frame (no depth-first schedule of the encoder; a
# 1.3 MB arena for 30 s).
WEARABLE = dict(channels=64, kernels=(9, 5, 5, 3), strides=(4, 3, 3, 2), batch_norm=True, dim=128, layers=4, heads=4,
                ffn=256, pos_kernel=9, pos_groups=8, span_frames=50)
# HuBERT-ECG "small" as its training code builds it (hidden 512, 8 layers, 8 heads, FFN 2048;
# feature encoder 5 x 512 channels, kernels 10,3,3,2,2, strides 4,2,2,2,2 on 12 leads x 5 s at
# 100 Hz concatenated into 6,000 samples; transformers' Hubert defaults for the rest: group norm
# on the first conv, no conv bias, positional conv of 128 taps in 16 groups).
SMALL = dict(channels=512, kernels=(10, 3, 3, 2, 2), strides=(4, 2, 2, 2, 2), batch_norm=False, dim=512, layers=8, heads=8, ffn=2048,
             pos_kernel=128, pos_groups=16, span_frames=None)


class FeatureEncoder(nn.Module):
    def __init__(self, channels, kernels, strides, same_length, batch_norm):
        super().__init__()
        layers, cin = [], 1
        for i, (k, s) in enumerate(zip(kernels, strides)):
            # Padded so that a window of n samples gives n / stride frames (the wearable model's
            # spans then cut evenly); unpadded as HuBERT for the published configuration.
            pad = (k - s + 1) // 2 if same_length else 0
            layers.append(nn.Conv1d(cin, channels, k, s, padding=pad, bias=False))
            if batch_norm:
                layers.append(nn.BatchNorm1d(channels))
            elif i == 0:
                layers.append(nn.GroupNorm(channels, channels))
            layers.append(nn.GELU())
            cin = channels
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q, self.k, self.v, self.out = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, h):
        frames, dim = h.shape[1], h.shape[2]

        def split(t):  # [B, T, D] -> [B, H, T, D/H]
            return t.reshape(-1, frames, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        weights = torch.softmax(torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(self.head_dim)), dim=-1)
        return self.out(torch.matmul(weights, v).transpose(1, 2).reshape(-1, frames, dim))


class EncoderLayer(nn.Module):
    """HuBERT's post-norm layer: h = LN(h + attention(h)); h = LN(h + FFN(h))."""

    def __init__(self, dim, heads, ffn):
        super().__init__()
        self.attention, self.norm1 = Attention(dim, heads), nn.LayerNorm(dim)
        self.ff1, self.ff2, self.norm2 = nn.Linear(dim, ffn), nn.Linear(ffn, dim), nn.LayerNorm(dim)

    def forward(self, h):
        h = self.norm1(h + self.attention(h))
        return self.norm2(h + self.ff2(F.gelu(self.ff1(h))))


class HubertEcg(nn.Module):
    """Frames of hidden features [B * spans, span_frames, dim] from windows [B, 1, samples]."""

    def __init__(self, config):
        super().__init__()
        c = config
        self.config = dict(config)
        self.encoder = FeatureEncoder(c["channels"], c["kernels"], c["strides"], c["span_frames"] is not None, c["batch_norm"])
        self.frame_norm, self.project = nn.LayerNorm(c["channels"]), nn.Linear(c["channels"], c["dim"])
        self.position = nn.utils.weight_norm(nn.Conv1d(c["dim"], c["dim"], c["pos_kernel"], padding=c["pos_kernel"] // 2, groups=c["pos_groups"]), name="weight", dim=2)
        self.norm = nn.LayerNorm(c["dim"])
        self.layers = nn.ModuleList(EncoderLayer(c["dim"], c["heads"], c["ffn"]) for _ in range(c["layers"]))
        self.mask_embedding = nn.Parameter(torch.randn(c["dim"]) * 0.1)

    def frames(self, x):
        """The projected frames [B, T, dim] of windows [B, 1, samples]."""
        return self.project(self.frame_norm(self.encoder(x).transpose(1, 2)))

    def contextual(self, h, upto=None):
        """The transformer's hidden states of frames h [B, T, dim], after layer `upto` (all by default)."""
        span = self.config["span_frames"] or h.shape[1]
        h = h.reshape(-1, span, h.shape[2])
        p = self.position(h.transpose(1, 2))
        if self.config["pos_kernel"] % 2 == 0:  # an even kernel gives one frame too many (HuBERT drops the last)
            p = p[:, :, :-1]
        h = self.norm(h + F.gelu(p).transpose(1, 2))
        for layer in self.layers[:upto]:
            h = layer(h)
        return h

    def forward(self, x):
        return self.contextual(self.frames(x))


class Classifier(nn.Module):
    """Class scores [B, classes] of windows [B, 1, spans * span samples]: the mean of the frames'
    last hidden states over every span of the window, then a linear layer."""

    def __init__(self, backbone, classes, spans):
        super().__init__()
        self.backbone, self.spans = backbone, spans
        self.dropout, self.head = nn.Dropout(0.1), nn.Linear(backbone.config["dim"], classes)

    def forward(self, x, spans=None):
        """spans: of x, when not the model's own (training takes 10-s crops of 30-s records)."""
        h = self.backbone(x).mean(1)
        h = h.reshape(-1, spans or self.spans, h.shape[1]).mean(1)
        return self.head(self.dropout(h))


def for_export(model):
    """The model with weight norm folded into the positional convolution's weight (ONNX has no
    weight norm; the export then holds one plain Conv)."""
    for m in model.modules():
        if isinstance(m, nn.Conv1d) and hasattr(m, "weight_g"):
            nn.utils.remove_weight_norm(m, name="weight")
    return model.eval()
