"""Quantization-aware fine-tuning for `ecgc finetune` (src/compress/finetune.ts runs it with
/usr/bin/python3: Debian's torch and onnx).

The model runs in torch as its ONNX graph, node by node (the ops below). Each layer of the plan
is trained through the quantizer the device will run, as ecgc's quantize.ts defines it:
the plan's pruning mask stays fixed (pruned weights are exact zeros), per-row (or per-layer)
scale = max|w| / (2^(b-1) - 1) of the kept weights (rounded to bfloat16 when the plan stores
bfloat16 scales), codes = w / scale rounded half to even and clamped; 1 bit is sign(w) times
the mean |w|. Gradients pass the rounding straight through. Biases train as float32. With an
int8 plan, the values the device stores as int8 are fake-quantized where they are computed,
with the plan's scales and zero points (torch rounds its float32 sums where the device
requantizes integer ones: a value lands one step away now and then, so its scores approach
the device's, which ecgc measures afterwards).

The loss is distillation from the original model (KL divergence of the softmax outputs), plus
weighted cross-entropy when the training data has labels. The epoch kept is the best on the
validation split (accuracy, or top-1 agreement with the original model when unlabeled).

The written model holds the quantized weights themselves (every weight code * scale), so
quantizing it again with the same settings gives the same codes; ecgc then measures it.
Input: one JSON file (argv[1]) written by finetune.ts; log and progress lines (`progress <step>
<steps> <what>`, at most every PROGRESS_SECONDS) on stderr; the result (epoch
kept, its validation score) as JSON on stdout; exit 10 with one line on stderr for a model it
cannot train.
"""
import json
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


class Refused(Exception):
    pass


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def symmetric_pads(node, pads):
    begin, end = pads[:len(pads) // 2], pads[len(pads) // 2:]
    if list(begin) != list(end):
        raise Refused(f"node '{node.name}' ({node.op_type}): asymmetric pads {list(pads)} are not supported by finetune")
    return list(begin)


def conv(node, a, x, w, b=None):
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise Refused(f"node '{node.name}' (Conv): auto_pad is not supported by finetune")
    if w.dim() != 3:
        raise Refused(f"node '{node.name}' (Conv): only 1-D convolutions are supported by finetune")
    pads = symmetric_pads(node, a.get("pads", [0, 0]))
    return F.conv1d(x, w, b, stride=a.get("strides", [1])[0], padding=pads[0], dilation=a.get("dilations", [1])[0], groups=a.get("group", 1))


def gemm(node, a, x, w, c=None):
    x = x.t() if a.get("transA", 0) else x
    w = w.t() if a.get("transB", 0) else w
    y = a.get("alpha", 1.0) * (x @ w)
    return y if c is None else y + a.get("beta", 1.0) * c


def pool(node, a, x, kind):
    if x.dim() != 3:
        raise Refused(f"node '{node.name}' ({node.op_type}): only 1-D pooling is supported by finetune")
    k, s = a["kernel_shape"][0], a.get("strides", [1])[0]
    p = symmetric_pads(node, a.get("pads", [0, 0]))[0]
    if kind == "max":
        return F.max_pool1d(x, k, s, p, dilation=a.get("dilations", [1])[0], ceil_mode=bool(a.get("ceil_mode", 0)))
    return F.avg_pool1d(x, k, s, p, ceil_mode=bool(a.get("ceil_mode", 0)), count_include_pad=bool(a.get("count_include_pad", 0)))


def batch_norm(node, a, x, scale, bias, mean, var):
    shape = [1, -1] + [1] * (x.dim() - 2)
    inv = scale / torch.sqrt(var + a.get("epsilon", 1e-5))
    return (x - mean.view(shape)) * inv.view(shape) + bias.view(shape)


def flatten(node, a, x):
    axis = a.get("axis", 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def reshape(node, a, x, shape):
    target = [int(v) for v in shape.tolist()]
    target = [x.shape[i] if v == 0 and not a.get("allowzero", 0) else v for i, v in enumerate(target)]
    return x.reshape(target)


def axes_of(a, given, rank):
    axes = a.get("axes") if given is None else [int(v) for v in given.tolist()]
    return None if axes is None else [v % rank for v in axes]


def squeeze(node, a, x, axes=None):
    axes = axes_of(a, axes, x.dim())
    return x.squeeze() if axes is None else x.reshape([d for i, d in enumerate(x.shape) if i not in axes])


def unsqueeze(node, a, x, axes=None):
    rank = x.dim() + len(a.get("axes", []) if axes is None else axes)
    for axis in sorted(axes_of(a, axes, rank)):
        x = x.unsqueeze(axis)
    return x


def slice_(node, a, x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes.tolist()
    for i, axis in enumerate(axes):
        step = 1 if steps is None else int(steps[i])
        # Python's slice clamps as ONNX does, negative steps included; torch indexing takes no negative step.
        kept = list(range(x.shape[axis]))[slice(int(starts[i]), int(ends[i]), step)]
        x = torch.index_select(x, axis % x.dim(), torch.tensor(kept, dtype=torch.int64))
    return x


def pad(node, a, x, pads, value=None, axes=None):
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    pads = [int(v) for v in pads.tolist()]
    rank = len(pads) // 2
    if axes is not None or rank != x.dim():
        raise Refused(f"node '{node.name}' (Pad): pads by axis are not supported by finetune")
    flat = []
    for axis in reversed(range(rank)):
        flat += [pads[axis], pads[axis + rank]]
    if mode == "constant":
        return F.pad(x, flat, value=0.0 if value is None else float(value))
    # torch pads edge / reflect along the last axes only, batch and channels untouched.
    if any(pads[i] or pads[i + rank] for i in range(min(2, rank))) or mode not in ("edge", "reflect"):
        raise Refused(f"node '{node.name}' (Pad): mode {mode} is supported by finetune along the axes after batch and channels only")
    return F.pad(x, flat[:2 * (rank - 2)], mode="replicate" if mode == "edge" else "reflect")


def reduce_mean(node, a, x, axes=None):
    axes = axes_of(a, axes, x.dim())
    return x.mean(dim=tuple(axes) if axes is not None else tuple(range(x.dim())), keepdim=bool(a.get("keepdims", 1)))


def layer_norm(node, a, x, scale, bias=None):
    axis = a.get("axis", -1) % x.dim()
    return F.layer_norm(x, x.shape[axis:], scale, bias, a.get("epsilon", 1e-5))


DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}

OPS = {
    "Conv": conv,
    "Gemm": gemm,
    "MatMul": lambda n, a, x, y: x @ y,
    "Add": lambda n, a, x, y: x + y,
    "Sub": lambda n, a, x, y: x - y,
    "Mul": lambda n, a, x, y: x * y,
    "Div": lambda n, a, x, y: torch.div(x, y, rounding_mode="trunc") if not x.is_floating_point() else x / y,
    "Relu": lambda n, a, x: F.relu(x),
    "LeakyRelu": lambda n, a, x: F.leaky_relu(x, a.get("alpha", 0.01)),
    "Sigmoid": lambda n, a, x: torch.sigmoid(x),
    "Tanh": lambda n, a, x: torch.tanh(x),
    "Clip": lambda n, a, x, lo=None, hi=None: torch.clamp(x, None if lo is None else float(lo), None if hi is None else float(hi)),
    "Softmax": lambda n, a, x: torch.softmax(x, a.get("axis", -1)),
    "MaxPool": lambda n, a, x: pool(n, a, x, "max"),
    "AveragePool": lambda n, a, x: pool(n, a, x, "average"),
    "GlobalAveragePool": lambda n, a, x: x.mean(dim=tuple(range(2, x.dim())), keepdim=True),
    "GlobalMaxPool": lambda n, a, x: x.amax(dim=tuple(range(2, x.dim())), keepdim=True),
    "BatchNormalization": batch_norm,
    "Flatten": flatten,
    "Reshape": reshape,
    "Transpose": lambda n, a, x: x.permute(*a["perm"]) if "perm" in a else x.permute(*reversed(range(x.dim()))),
    "Concat": lambda n, a, *xs: torch.cat(xs, a["axis"]),
    "Identity": lambda n, a, x: x,
    "Shape": lambda n, a, x: torch.tensor(x.shape, dtype=torch.int64),
    "Gather": lambda n, a, x, i: torch.index_select(x, a.get("axis", 0), i.reshape(-1).long() % x.shape[a.get("axis", 0)]).reshape(x.shape[:a.get("axis", 0)] + i.shape + x.shape[a.get("axis", 0) + 1:]),
    "Squeeze": squeeze,
    "Unsqueeze": unsqueeze,
    "Slice": slice_,
    "Pad": pad,
    "Cast": lambda n, a, x: x.to(DTYPES[a["to"]]),
    "ConstantOfShape": lambda n, a, shape: torch.from_numpy(np.full([int(v) for v in shape.tolist()], numpy_helper.to_array(a["value"]).reshape(-1)[0] if "value" in a else np.float32(0))),
    "Expand": lambda n, a, x, shape: x * torch.ones([int(v) for v in shape.tolist()], dtype=x.dtype),
    "Equal": lambda n, a, x, y: x == y,
    "Neg": lambda n, a, x: -x,
    "Erf": lambda n, a, x: torch.erf(x),
    "Pow": lambda n, a, x, y: torch.pow(x, y),
    "Sqrt": lambda n, a, x: torch.sqrt(x),
    "Reciprocal": lambda n, a, x: 1 / x,
    "ReduceMean": reduce_mean,
    "LayerNormalization": layer_norm,
    "Dropout": lambda n, a, x, *rest: x,
}


def bfloat16(x):
    """Round to the nearest bfloat16 (ties to even), as ecgc's bfloat16()."""
    return x.to(torch.bfloat16).to(torch.float32)


class Quantizer(torch.nn.Module):
    """One plan layer's weights as the device sees them, with straight-through gradients."""

    def __init__(self, layer, weight):
        super().__init__()
        rows = weight.t() if layer["transposed"] else weight.reshape(layer["rows"], -1)
        self.layer = layer
        self.shadow = torch.nn.Parameter(rows.clone())
        self.register_buffer("kept", (rows.abs() > layer["threshold"]).float())

    def forward(self):
        w = self.shadow * self.kept
        layer = self.layer
        if layer["quantizer"] != "float32":
            magnitude = w.abs().detach()
            if layer["quantizer"] == "sign":
                scale = magnitude.sum(1, keepdim=True) / self.kept.sum(1, keepdim=True).clamp(min=1)
            else:
                qmax = 2 ** (layer["bits"] - 1) - 1
                peak = magnitude.amax() if layer["quantizer"] == "uniform-layer" else magnitude.amax(1, keepdim=True)
                scale = peak / qmax
            if layer["scaleFormat"] == "bfloat16":
                scale = bfloat16(scale)
            safe = torch.where(scale > 0, scale, torch.ones_like(scale))
            if layer["quantizer"] == "sign":
                codes = torch.sign(w)
            else:
                codes = torch.clamp(torch.round(w / safe), -qmax, qmax)
            quantized = torch.where(scale > 0, codes * scale, torch.zeros_like(w)) * self.kept
            w = w + (quantized - w).detach()
        return w.t() if layer["transposed"] else w.reshape(layer["shape"])


class Graph(torch.nn.Module):
    """activations: an int8 plan's values the device stores as int8 ({value, scale, zeroPoint}),
    fake-quantized where they are computed (gradients pass the rounding straight through, and
    stop where the clamp holds)."""

    def __init__(self, model, layers, activations=()):
        super().__init__()
        for node in model.graph.node:
            if node.op_type not in OPS and node.op_type != "Constant":
                raise Refused(f"node '{node.name}': op {node.op_type} is not supported by finetune (supported: {', '.join(sorted(OPS))}, Constant)")
        initializers = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
        self.constants = {name: value.float() if value.dtype == torch.float64 else value for name, value in initializers.items()}
        # Attributes decoded and Constant nodes made tensors once, not on every batch.
        self.nodes = []
        for node in model.graph.node:
            a = attrs(node)
            if node.op_type == "Constant":
                self.constants[node.output[0]] = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
            else:
                self.nodes.append((node, a))
        self.quantizers = torch.nn.ModuleDict()
        self.biases = torch.nn.ParameterDict()
        self.names = {}  # initializer -> key of its trainable module
        for i, layer in enumerate(layers):
            for name in (layer["weight"], layer["bias"]):
                if name is not None and name not in initializers:
                    raise Refused(f"layer '{layer['node']}': '{name}' is not an initializer of the model (ecgc computed it, e.g. by folding a BatchNormalization); finetune needs a model whose layer weights are its own initializers")
            self.quantizers[str(i)] = Quantizer(layer, initializers[layer["weight"]].float())
            self.names[layer["weight"]] = ("weight", str(i))
            if layer["bias"] is not None:
                self.biases[str(i)] = torch.nn.Parameter(initializers[layer["bias"]].float().clone())
                self.names[layer["bias"]] = ("bias", str(i))
        inputs = [i for i in model.graph.input if i.name not in initializers]
        self.input = inputs[0].name
        batch = inputs[0].type.tensor_type.shape.dim[0]
        if not batch.dim_param and batch.dim_value == 1:
            raise Refused(f"input '{self.input}': its batch dimension is fixed at 1; finetune trains in batches: export the model with a dynamic batch (torch.onnx.export(..., dynamic_axes={{'{self.input}': {{0: 'N'}}}}))")
        # A fixed batch N (Reshape targets may restate it): the graph runs N windows at a time.
        self.fixed = None if batch.dim_param or batch.dim_value == 0 else batch.dim_value
        self.output = model.graph.output[0].name
        computed = {self.input} | {name for node in model.graph.node for name in node.output}
        for a in activations:
            if a["value"] not in computed:
                raise Refused(f"the plan's int8 value '{a['value']}' is not computed by the model's graph (ecgc folded it); finetune trains int8 plans of models whose values are their own")
        self.fake = {a["value"]: (float(a["scale"]), int(a["zeroPoint"])) for a in activations}

    def quantized(self, name, value):
        q = self.fake.get(name)
        return value if q is None else torch.fake_quantize_per_tensor_affine(value, q[0], q[1], -128, 127)

    def value(self, name, weights):
        kind, key = self.names.get(name, (None, None))
        if kind == "weight":
            return weights[key]
        if kind == "bias":
            return self.biases[key]
        return self.constants[name]

    def forward(self, x):
        """Any number of windows; a graph of fixed batch N runs them N at a time, the last run padded with zeros (their outputs dropped)."""
        n = self.fixed
        if n is None or len(x) == n:
            return self.run(x)
        parts = []
        for i in range(0, len(x), n):
            chunk = x[i:i + n]
            pad = n - len(chunk)
            parts.append(self.run(torch.cat([chunk, chunk.new_zeros((pad,) + chunk.shape[1:])]) if pad else chunk)[:len(chunk)])
        return torch.cat(parts)

    def run(self, x):
        weights = {key: q() for key, q in self.quantizers.items()}
        values = {self.input: self.quantized(self.input, x)}
        for node, a in self.nodes:
            inputs = [None if n == "" else values[n] if n in values else self.value(n, weights) for n in node.input]
            while inputs and inputs[-1] is None:
                inputs.pop()
            values[node.output[0]] = self.quantized(node.output[0], OPS[node.op_type](node, a, *inputs))
        return values[self.output]


def macro_f1(truth, predicted, classes):
    """Unweighted mean over classes, a class never predicted with precision 0 (as metrics.ts)."""
    f1s = []
    for c in range(classes):
        tp = np.sum((truth == c) & (predicted == c))
        p = tp / max(np.sum(predicted == c), 1)
        r = tp / max(np.sum(truth == c), 1)
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return float(np.mean(f1s))


def batches(n, size, rng=None):
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for i in range(0, n, size):
        yield torch.from_numpy(order[i:i + size])


def outputs(net, x, size=512):
    with torch.no_grad():
        return torch.cat([net(x[i]) for i in batches(len(x), size)])


def check_graph(logits, reference, tolerance, model):
    """The graph torch trains is the model: its outputs are the reference interpreter's, up to summation order."""
    peak = float(np.abs(reference).max(initial=0))
    ours = logits.numpy().reshape(len(logits), -1)  # the reference's are [windows, every output value]
    error = float(np.abs(ours - reference).max(initial=0)) if ours.shape == reference.shape else float("inf")
    if not error <= tolerance * peak:
        raise Refused(f"internal: torch runs {model} differently from the reference interpreter (max |difference| {error:.3g} against outputs up to {peak:.3g}); please report it")


def main(config_path):
    with open(config_path) as f:
        config = json.load(f)
    torch.manual_seed(config["seed"])
    torch.set_num_threads(config["threads"])
    rng = np.random.default_rng(config["seed"])
    model = onnx.load(config["model"])
    teacher = Graph(model, [])
    net = Graph(model, config["layers"], config["activations"])
    if config["activations"]:
        log(f"finetune: int8 activations: {len(net.fake)} values trained through their rounding")
    x = torch.from_numpy(np.load(config["train"]["x"]).astype(np.float32))
    y = torch.from_numpy(np.load(config["train"]["y"]).astype(np.int64)) if config["train"]["y"] else None
    vx = torch.from_numpy(np.load(config["val"]["x"]).astype(np.float32))
    vy = np.load(config["val"]["y"]) if config["val"]["y"] else None
    start = time.time()
    val_logits = outputs(teacher, vx)
    check_graph(val_logits, np.load(config["reference"]), config["tolerance"], config["model"])
    teacher_logits = outputs(teacher, x)
    val_teacher = val_logits.argmax(1).numpy()

    weight = None
    if y is not None:
        counts = np.bincount(y.numpy(), minlength=teacher_logits.shape[1]).astype(np.float64)
        # Square-root inverse frequency, as the example models were trained.
        weight = torch.tensor((counts.sum() / np.maximum(counts, 1)) ** 0.5, dtype=torch.float32)
        weight /= weight.mean()

    metric = config["metric"]

    def score():
        """The validation score (the plan's metric; agreement when unlabelled) and the agreement."""
        net.eval()
        predicted = outputs(net, vx).argmax(1).numpy()
        agreement = float(np.mean(predicted == val_teacher))
        if metric == "agreement":
            return agreement, agreement
        return (macro_f1(vy, predicted, teacher_logits.shape[1]) if metric == "f1" else float(np.mean(predicted == vy))), agreement

    best = (score()[0], {k: v.clone() for k, v in net.state_dict().items()}, 0)
    before = best[0]
    log(f"finetune: before training, validation {metric} {100 * before:.2f}%")
    optimizer = torch.optim.Adam(net.parameters(), lr=config["lr"])
    per_epoch = (len(x) + config["batch"] - 1) // config["batch"]
    steps = config["epochs"] * per_epoch
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    reported = 0.0
    for epoch in range(1, config["epochs"] + 1):
        net.train()
        total = 0.0
        for step, idx in enumerate(batches(len(x), config["batch"], rng), start=(epoch - 1) * per_epoch + 1):
            optimizer.zero_grad()
            logits = net(x[idx])
            loss = F.kl_div(F.log_softmax(logits, 1), F.log_softmax(teacher_logits[idx], 1), reduction="batchmean", log_target=True)
            if y is not None:
                loss = loss + F.cross_entropy(logits, y[idx], weight=weight)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
            if time.time() - reported >= PROGRESS_SECONDS or step == steps:
                progress(step, steps, f"epoch {epoch}/{config['epochs']}")
                reported = time.time()
        value, agreement = score()
        also = "" if metric == "agreement" else f", agreement {100 * agreement:.2f}%"
        log(f"finetune: epoch {epoch}/{config['epochs']}: loss {total / len(x):.4f}, validation {metric} {100 * value:.2f}%{also} ({time.time() - start:.0f} s)")
        if value > best[0]:
            best = (value, {k: v.clone() for k, v in net.state_dict().items()}, epoch)
    net.load_state_dict(best[1])
    log(f"finetune: keeping epoch {best[2]}")

    with torch.no_grad():
        weights = {key: q() for key, q in net.quantizers.items()}
        for tensor in model.graph.initializer:
            if tensor.name in net.names:
                kind, key = net.names[tensor.name]
                value = weights[key] if kind == "weight" else net.biases[key]
                tensor.CopyFrom(numpy_helper.from_array(value.detach().numpy().astype(np.float32), tensor.name))
    onnx.save(model, config["out"])
    print(json.dumps({"epoch": best[2], "metric": metric, "before": before, "after": best[0]}))


def log(text):
    print(text, file=sys.stderr, flush=True)


PROGRESS_SECONDS = 0.5  # between two progress lines: enough for a bar, never a flood


def progress(step, steps, what):
    """A line finetune.ts turns into its progress bar (not a log line)."""
    log(f"progress {step} {steps} {what}")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Refused as e:
        log(str(e))
        sys.exit(10)
