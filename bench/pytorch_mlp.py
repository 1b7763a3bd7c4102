#!/usr/bin/env python3
"""PyTorch (CPU) side of `digitlab bench`: the same MLP workload, timed the same way.

Same as digitlab: inputs (p/255 - 0.1307)/0.3081; He-uniform weights (limit sqrt(6/fan_in)) for ReLU
hidden layers, Glorot-uniform for the output layer, zero biases; softmax cross-entropy (mean over the
batch); Adam; a fresh shuffle of the 60,000 training images every epoch; the last batch may be short.
Timing: seconds per training epoch (no data loading, no evaluation), median of --epochs epochs after one
warm-up epoch. Test accuracy is taken after epoch 3 (the warm-up epoch counts), as digitlab reports it.

Prints one JSON object on stdout; progress goes to stderr. Run standalone:
    python3 bench/pytorch_mlp.py --data data/mnist --name W1 --hidden 128 --batch-size 128
"""

import argparse
import gzip
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PIXEL_MEAN, PIXEL_STD = 0.1307, 0.3081


def find(data_dir, stem, dims):
    for base in (f"{stem}-idx{dims}-ubyte", f"{stem}.idx{dims}-ubyte"):
        for name in (base + ".gz", base):
            path = os.path.join(data_dir, name)
            if os.path.isfile(path):
                return path
    sys.exit(f"{data_dir}: no {stem} file")


def read_idx(path, header):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load(data_dir, split):
    stem = "train" if split == "train" else "t10k"
    images = read_idx(find(data_dir, f"{stem}-images", 3), 16).reshape(-1, 784)
    labels = read_idx(find(data_dir, f"{stem}-labels", 1), 8)
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - PIXEL_MEAN) / PIXEL_STD
    return x.contiguous(), torch.from_numpy(labels.astype(np.int64))


def build(hidden, classes=10, inputs=784):
    layers, fan_in = [], inputs
    for n in hidden:
        lin = nn.Linear(fan_in, n)
        limit = (6.0 / fan_in) ** 0.5  # He-uniform for ReLU
        nn.init.uniform_(lin.weight, -limit, limit)
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.ReLU()]
        fan_in = n
    out = nn.Linear(fan_in, classes)
    nn.init.xavier_uniform_(out.weight)  # Glorot-uniform, limit sqrt(6/(fan_in+fan_out))
    nn.init.zeros_(out.bias)
    layers.append(out)
    return nn.Sequential(*layers)


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--name", default="W1")
    ap.add_argument("--hidden", default="128", help="comma list of ReLU hidden layer sizes")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs, after one warm-up epoch")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    hidden = [int(h) for h in args.hidden.split(",") if h]
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "test")
    model = build(hidden)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    n, bs = len(y_train), args.batch_size

    total_epochs = max(args.epochs + 1, 3)
    epoch_seconds, acc_after_3 = [], None
    for epoch in range(1, total_epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(n)
        model.train()
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        if 2 <= epoch <= args.epochs + 1:
            epoch_seconds.append(seconds)
        if epoch == 3:
            acc_after_3 = accuracy(model, x_test, y_test)
        print(f"pytorch {args.name} epoch {epoch}: {seconds:.3f} s", file=sys.stderr)

    eval_seconds = []
    for _ in range(5):
        start = time.perf_counter()
        accuracy(model, x_test, y_test)
        eval_seconds.append(time.perf_counter() - start)

    print(json.dumps({
        "name": args.name,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "epoch_seconds": epoch_seconds,
        "median_epoch_seconds": statistics.median(epoch_seconds),
        "test_accuracy_after_3": acc_after_3,
        "eval_seconds": statistics.median(eval_seconds),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
