"""Loads the weights a Descent run saved into the equivalent PyTorch module, strictly.

Not part of Descent: a check by hand that `weights.safetensors` names and shapes every tensor
as PyTorch's state_dict does, buffers (running statistics, num_batches_tracked as int64)
included. Given a run's folder (written with `--set training.save_weights=true`), it builds the
`nn.Sequential` of the run's `config.yaml` (residual blocks as the `Residual` module below),
loads the file with `load_state_dict(strict=True)` and runs the module in evaluation mode on a
batch of zeros shaped like the data; for IDX data with a test set and `normalize: none`, it
also scores the test set, which should give the run's own test accuracy (summary.csv):

    python3 bench/torch_load_check.py results/fashion-mnist-resnet/runs/run

Relative data paths are read from the current folder: run it from the experiment's. The
safetensors file is read with the `safetensors` package when it is installed, else by the
few lines below (an 8-byte header length, a JSON header, raw little-endian data).
"""
import csv
import gzip
import json
import os
import struct
import sys

import torch
import yaml
from torch import nn


class Residual(nn.Module):
    """y = body(x) + shortcut(x); an identity shortcut has no module."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = nn.Sequential(*body)
        if shortcut is not None:
            self.shortcut = nn.Sequential(*shortcut)

    def forward(self, x):
        s = self.shortcut(x) if hasattr(self, "shortcut") else x
        return self.body(x) + s


def read_safetensors(path):
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[start + begin:start + end])
        tensor = torch.frombuffer(raw, dtype=dtypes[entry["dtype"]]) if raw else torch.tensor([])
        tensors[name] = tensor.reshape(entry["shape"]).clone()
    return tensors


def activation(spec):
    if isinstance(spec, dict):
        (name, options), = spec.items()
    else:
        name, options = spec, {}
    options = options or {}
    return {
        "relu": lambda: nn.ReLU(),
        "leaky_relu": lambda: nn.LeakyReLU(options.get("slope", 0.01)),
        "elu": lambda: nn.ELU(options.get("alpha", 1.0)),
        "gelu": lambda: nn.GELU(),
        "tanh": lambda: nn.Tanh(),
        "sigmoid": lambda: nn.Sigmoid(),
        "softplus": lambda: nn.Softplus(options.get("beta", 1.0), options.get("threshold", 20.0)),
        "identity": lambda: nn.Identity(),
    }[name]()


def stride_of(entry):
    """The stride of one resolved entry, as the projection shortcut follows it."""
    if isinstance(entry, dict):
        for kind in ("conv2d", "max_pool2d", "avg_pool2d"):
            if kind in entry:
                return tuple(entry["stride"])
        if "residual" in entry:
            return block_stride(entry["residual"])
    return (1, 1)


def block_stride(body):
    h, w = 1, 1
    for entry in body:
        sh, sw = stride_of(entry)
        h, w = h * sh, w * sw
    return (h, w)


def modules(entries, weights, prefix, image):
    """The modules of resolved entries, in order; `image` says whether inputs are [C, H, W]."""
    out = []
    for entry in entries:
        name = f"{prefix}{len(out)}"
        if isinstance(entry, str):
            kind, value, entry = entry, None, {}
        else:
            kind = next(iter(entry))  # config.yaml writes the kind first
            value = entry[kind]
        if kind == "dense":
            w = weights[f"{name}.weight"]
            out.append(nn.Linear(w.shape[1], value, bias=entry.get("bias", True)))
        elif kind == "conv2d":
            w = weights[f"{name}.weight"]
            padding = entry["padding"]
            out.append(nn.Conv2d(
                w.shape[1] * entry["groups"], value, tuple(entry["kernel"]),
                stride=tuple(entry["stride"]),
                padding=padding if isinstance(padding, str) else tuple(padding),
                dilation=tuple(entry["dilation"]), groups=entry["groups"], bias=entry["bias"]))
        elif kind == "max_pool2d":
            out.append(nn.MaxPool2d(tuple(value), tuple(entry["stride"]), tuple(entry["padding"])))
        elif kind == "avg_pool2d":
            out.append(nn.AvgPool2d(tuple(value), tuple(entry["stride"]), tuple(entry["padding"])))
        elif kind == "global_avg_pool2d":
            out.append(nn.AdaptiveAvgPool2d(1))
        elif kind == "flatten":
            out.append(nn.Flatten())
            image = False
        elif kind == "dropout":
            out.append(nn.Dropout(value))
        elif kind == "activation":
            out.append(activation(value))
        elif kind == "batch_norm":
            channels = weights[f"{name}.weight"].shape[0]
            norm = nn.BatchNorm2d if image else nn.BatchNorm1d
            out.append(norm(channels, eps=value["eps"], momentum=value["momentum"]))
        elif kind == "layer_norm":
            out.append(nn.LayerNorm(tuple(weights[f"{name}.weight"].shape), eps=value["eps"]))
        elif kind == "residual":
            body = modules(value, weights, f"{name}.body.", image)
            shortcut = None
            if entry["shortcut"] == "projection":
                w = weights[f"{name}.shortcut.0.weight"]
                if image:
                    shortcut = [nn.Conv2d(w.shape[1], w.shape[0], 1, stride=block_stride(value),
                                          bias=False), nn.BatchNorm2d(w.shape[0])]
                else:
                    shortcut = [nn.Linear(w.shape[1], w.shape[0], bias=False),
                                nn.BatchNorm1d(w.shape[0])]
            out.append(Residual(body, shortcut))
        else:
            raise SystemExit(f"unknown layer kind {kind}")
        if kind in ("dense", "conv2d") and "activation" in entry:
            out.append(activation(entry["activation"]))
    return out


def input_shape(config):
    data = config["data"]
    if "shape" in data:
        return list(data["shape"])
    source = data["source"]
    if source == "digits":
        return [64]
    if source == "iris":
        return [4]
    if isinstance(source, dict) and "idx" in source:
        return [1, 28, 28]
    raise SystemExit("give the data a shape: data.shape")


def read_idx(path):
    """An IDX file (raw or .gz) as a tensor of its unsigned bytes, shaped as its header says."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dimensions = data[3]
    shape = struct.unpack(">" + "I" * dimensions, data[4:4 + 4 * dimensions])
    return torch.frombuffer(bytearray(data[4 + 4 * dimensions:]), dtype=torch.uint8).reshape(shape)


def test_accuracy(model, config, folder):
    """The test accuracy of IDX data with a test set read as Descent reads it, or None."""
    data = config["data"]
    source = data["source"]
    if not (isinstance(source, dict) and "test" in source) or data["normalize"] != "none":
        return None
    # config.yaml keeps data paths as the experiment wrote them: absolute, or relative to the
    # experiment's folder, which is then the folder to run this from.
    images = read_idx(source["test"]["images"])
    labels = read_idx(source["test"]["labels"]).long()
    x = images.float().div(255).reshape(len(images), 1, *images.shape[1:])
    with torch.no_grad():
        predicted = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return (predicted == labels).double().mean().item()


def main(folder):
    with open(f"{folder}/config.yaml") as f:
        config = yaml.safe_load(f)
    weights = read_safetensors(f"{folder}/weights.safetensors")
    shape = input_shape(config)
    model = nn.Sequential(*modules(config["model"]["layers"], weights, "", len(shape) == 3))
    result = model.load_state_dict(weights, strict=True)
    print(f"torch {torch.__version__}: load_state_dict(strict=True): {result}")
    counters = {k: int(v) for k, v in weights.items() if v.dtype == torch.int64}
    print(f"{len(weights)} tensors; int64 counters: {counters}")
    model.eval()
    with torch.no_grad():
        y = model(torch.zeros([2] + shape))
    print(f"evaluation forward on zeros {[2] + shape} -> {list(y.shape)}, finite: "
          f"{bool(torch.isfinite(y).all())}")
    accuracy = test_accuracy(model.float(), config, folder)
    if accuracy is not None:
        summary = os.path.join(folder, "..", "..", "summary.csv")
        run = os.path.basename(os.path.normpath(folder))
        with open(summary) as f:
            rows = [r for r in csv.DictReader(f) if r["id"] == run]
        descent = rows[0]["test_accuracy"] if rows else "?"
        print(f"test accuracy in PyTorch (evaluation mode): {accuracy:.4f}; Descent's: {descent}")
    print(model)


if __name__ == "__main__":
    main(sys.argv[1])
