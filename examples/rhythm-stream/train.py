#!/usr/bin/python3
"""The ECG patch's rhythm model on `rhythm-stream`: 10-s MLII windows at 360 Hz in mV, not
normalised, four rhythm groups, split by record. Small enough to run depth first beside the
beat model on a 16 KB patch: the firmware pushes each sample into it as it arrives, so it never
stores a window. Run from the repository root:
    /usr/bin/python3 examples/rhythm-stream/train.py"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from ecgtrain import arguments, figures_section, train_by_record, write_card  # noqa: E402
from streamnet import StridedStreamCNN  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
RETRAIN = "/usr/bin/python3 examples/rhythm-stream/train.py"

# (in, out, kernel, stride): strided convolutions only, so that depth first each layer keeps just
# (kernel - 1) input columns while the receptive field grows to 1.6 s (a few beats: RR irregularity).
LAYERS = [(1, 8, 9, 3), (8, 12, 5, 3), (12, 12, 3, 2), (12, 12, 3, 2), (12, 16, 3, 2), (16, 16, 3, 2), (16, 16, 3, 2)]


def augment(x):
    """Without a per-window z-score the model sees each patient's amplitude and baseline: vary them
    (gain x0.5..2, offset +-1 mV, a linear drift of +-0.5 mV over the window, 0.02 mV noise) so it
    learns the rhythm and not the patient."""
    n = x.shape[0]
    gain = torch.exp(torch.empty(n, 1, 1).uniform_(-0.7, 0.7))
    offset = torch.empty(n, 1, 1).uniform_(-1, 1)
    drift = torch.empty(n, 1, 1).uniform_(-0.5, 0.5) * torch.linspace(-1, 1, x.shape[2]).view(1, 1, -1)
    return x * gain + offset + drift + 0.02 * torch.randn_like(x)


args = arguments()
epochs = args.epochs or 20
figures, meta = train_by_record(lambda classes: StridedStreamCNN(LAYERS, classes), "rhythm-stream", OUT, args, epochs, predict_batch=256, augment=augment)
seconds = figures["trainingSeconds"]
layers = ", ".join(f"{cin}->{cout} k={k} s={s}" for cin, cout, k, s in LAYERS)
rows = [("task", f"`rhythm-stream` ({', '.join(meta['classes'])})"),
        ("data", f"MIT-BIH Arrhythmia Database, lead MLII: {meta['howMade']}"),
        ("input", "[N, 1, 3600]: 10 s at 360 Hz, in mV as the ADC gives them (no per-window normalisation: the patch streams the samples)"),
        ("preprocessing", f"`{json.dumps(meta['preprocessing'])}`"),
        ("layers", f"Conv1d+BN+ReLU {layers}; global average pooling; dropout 0.2; linear"),
        ("parameters", f"{figures['params']:,} ({figures['weightBytesFloat32'] / 1024:.2f} KB as float32)"),
        ("MACs per inference", f"{figures['macs']:,}"),
        ("training", f"Adam lr 1e-3, weight decay 1e-3, batch 64, {epochs} epochs, ReduceLROnPlateau on the validation loss, augmented (gain x0.5 to x2, offset +-1 mV, drift +-0.5 mV, noise 0.02 mV), cross-entropy weighted by the square root of inverse class frequency, the epoch with the best validation macro F1 kept")]
write_card(OUT, "Rhythm (streaming), for the ECG patch",
           "A small strided 1-D CNN for 10-s rhythm windows that the ECG-patch firmware (examples/ecg-patch) runs depth first, "
           "one sample at a time as the samples arrive, beside the beat model: only each layer's last (kernel - 1) input columns are kept.",
           rows, [figures_section("Test figures, split by record", "model.onnx", figures, meta["classes"])], {"model.onnx": figures}, seconds, RETRAIN)
