"""torch's autograd on an ONNX model, the outside reference for ecgc's reverse pass
(test/explain/gradients.test.ts). The graph runs node by node in float64 through the op
table `ecgc finetune` trains with (src/compress/finetune.py), its float32 constants widened.

argv: model.onnx, seed.npy (the weights of the score: the output's shape), out dir, then
one .npy per graph input, and optionally --value <name> values whose gradient to save too.
Writes <out>/input<i>.npy and <out>/value<j>.npy (float64); exits 10 with one line on
stderr when the op table cannot run the model.
"""
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, __file__.rsplit("/test/", 1)[0] + "/src/compress")
from finetune import OPS, Refused, attrs  # noqa: E402


def recurrent(cell, gates):
    """ONNX's LSTM (gates i, o, f, c), GRU (z, r, h) and RNN, written out in torch ops."""

    def op(node, a, x, w, r, b=None, lens=None, h0=None, c0=None):
        layout = a.get("layout", 0)
        direction = a.get("direction", b"forward")
        direction = direction.decode() if isinstance(direction, bytes) else direction
        if layout:
            x = x.transpose(0, 1)
        dirs, rows, _ = w.shape
        hidden = rows // gates
        steps, batch = x.shape[0], x.shape[1]
        ys, hs, cs = [], [], []
        for d in range(dirs):
            wb = b[d, :rows] if b is not None else torch.zeros(rows, dtype=x.dtype)
            rb = b[d, rows:] if b is not None else torch.zeros(rows, dtype=x.dtype)
            if h0 is not None:
                h = (h0.transpose(0, 1) if layout else h0)[d]
            else:
                h = torch.zeros(batch, hidden, dtype=x.dtype)
            if c0 is not None:
                c = (c0.transpose(0, 1) if layout else c0)[d]
            else:
                c = torch.zeros(batch, hidden, dtype=x.dtype)
            reverse = d == 1 or direction == "reverse"
            out = [None] * steps
            for s in range(steps):
                t = steps - 1 - s if reverse else s
                gx = x[t] @ w[d].t() + wb
                h, c = cell(a, gx, h, c, r[d], rb, hidden)
                out[t] = h
            ys.append(torch.stack(out))
            hs.append(h)
            cs.append(c)
        y = torch.stack(ys, 1)  # [T, D, N, H]
        return y.permute(2, 0, 1, 3) if layout else y

    return op


def lstm_cell(a, gx, h, c, r, rb, hidden):
    g = gx + h @ r.t() + rb
    i, o, f, cand = (g[:, k * hidden:(k + 1) * hidden] for k in range(4))
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(cand)
    return torch.sigmoid(o) * torch.tanh(c), c


def gru_cell(a, gx, h, c, r, rb, hidden):
    part = lambda v, k: v[..., k * hidden:(k + 1) * hidden]  # noqa: E731
    gh = h @ r.t() + rb
    z = torch.sigmoid(part(gx, 0) + part(gh, 0))
    reset = torch.sigmoid(part(gx, 1) + part(gh, 1))
    if a.get("linear_before_reset", 0):
        n = torch.tanh(part(gx, 2) + reset * part(gh, 2))
    else:
        n = torch.tanh(part(gx, 2) + (reset * h) @ part(r.t(), 2) + part(rb, 2))
    return (1 - z) * n + z * h, c


def rnn_cell(a, gx, h, c, r, rb, hidden):
    return torch.tanh(gx + h @ r.t() + rb), c


OPS = {**OPS, "LSTM": recurrent(lstm_cell, 4), "GRU": recurrent(gru_cell, 3), "RNN": recurrent(rnn_cell, 1)}


def widened(t):
    return t.double() if t.dtype in (torch.float32, torch.float64) else t


def main(argv):
    args, values = [], []
    while argv:
        a = argv.pop(0)
        if a == "--value":
            values.append(argv.pop(0))
        else:
            args.append(a)
    model_path, seed_path, out, *input_paths = args
    model = onnx.load(model_path)
    constants = {t.name: widened(torch.from_numpy(numpy_helper.to_array(t).copy())) for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in constants]
    env = dict(constants)
    leaves = []
    for name, path in zip(inputs, input_paths):
        x = torch.from_numpy(np.load(path).astype(np.float64)).requires_grad_(True)
        env[name] = x
        leaves.append(x)
    for node in model.graph.node:
        a = attrs(node)
        if node.op_type == "Constant":
            env[node.output[0]] = widened(torch.from_numpy(numpy_helper.to_array(a["value"]).copy()))
            continue
        if node.op_type not in OPS:
            raise Refused(f"op {node.op_type}")
        args_ = [None if n == "" else env[n] for n in node.input]
        while args_ and args_[-1] is None:
            args_.pop()
        result = OPS[node.op_type](node, a, *args_)
        env[node.output[0]] = widened(result) if torch.is_tensor(result) else result
        if node.output[0] in values:
            env[node.output[0]].retain_grad()
    seed = torch.from_numpy(np.load(seed_path).astype(np.float64))
    output = env[model.graph.output[0].name]
    (output * seed.reshape(output.shape)).sum().backward()
    for i, x in enumerate(leaves):
        np.save(f"{out}/input{i}.npy", x.grad.numpy())
    for j, name in enumerate(values):
        np.save(f"{out}/value{j}.npy", env[name].grad.numpy())


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Refused as e:
        print(f"refused: {e}", file=sys.stderr)
        sys.exit(10)
