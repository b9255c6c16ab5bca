"""Reference throughput: PyTorch on one CPU thread, timed exactly as `aestudio bench` times burn
(batch 128, a warm-up of STEPS steps, then REPEATS timed runs of STEPS steps; the test set in
batches of 1,000 with the same figures summed: objective, BCE, squared error, KL), for the canonical VAE and the convolutional DAE. Prints `bench-result` JSON
lines for tests/bench/record.mjs.

Not a test: `./build.sh bench native` runs it beside the Rust figures when PyTorch is installed
(`python3 -m pip install torch numpy`). Usage: python3 tests/reference/pytorch_bench.py [--data data/mnist]
"""
import argparse
import json
import os
import statistics
import time

# Busy-waiting OpenMP threads slow a shared 2-core machine many-fold; set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from pytorch_vae import VAE, loss_sum, read_images  # noqa: E402


class ConvDAE(nn.Module):
    """aestudio's `conv-dae` preset: 3x3 stride-2 convolutions 1→16→32 (28→14→7), a linear layer
    to a 32-d code, mirrored by transposed convolutions; masking noise keeps 70% of the pixels."""

    def __init__(self, channels=(16, 32), code=32):
        super().__init__()
        first, second = channels
        self.conv1 = nn.Conv2d(1, first, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(first, second, 3, stride=2, padding=1)
        self.encode = nn.Linear(second * 49, code)
        self.decode = nn.Linear(code, second * 49)
        self.deconv1 = nn.ConvTranspose2d(second, first, 3, stride=2, padding=1, output_padding=1)
        self.deconv2 = nn.ConvTranspose2d(first, 1, 3, stride=2, padding=1, output_padding=1)
        self.second = second

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x.view(-1, 1, 28, 28)))))
        h = F.relu(self.decode(self.encode(h.flatten(1))))
        return self.deconv2(F.relu(self.deconv1(h.view(-1, self.second, 7, 7)))).view(-1, 784)


def vae_loss(model, x):
    logits, mu, logvar = model(x)
    return loss_sum(logits, x, mu, logvar) / len(x)


def dae_loss(model, x):
    noisy = x * (torch.rand_like(x) < 0.7)
    return F.binary_cross_entropy_with_logits(model(noisy), x)


def vae_evaluate(model, x):
    """The figures `aestudio`'s evaluation sums: objective, BCE, squared error, KL."""
    logits, mu, logvar = model(x)
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return torch.stack([bce + kl, bce, F.mse_loss(torch.sigmoid(logits), x, reduction="sum"), kl])


def dae_evaluate(model, x):
    logits = model(x * (torch.rand_like(x) < 0.7))
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    return torch.stack([bce / 784, bce, F.mse_loss(torch.sigmoid(logits), x, reduction="sum")])


def median_min_max(values):
    return statistics.median(values), min(values), max(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    train = read_images(f"{args.data}/train-images-idx3-ubyte")
    test = read_images(f"{args.data}/t10k-images-idx3-ubyte")
    print(f"torch {torch.__version__}, 1 CPU thread; batch 128; {args.repeats} timed runs of {args.steps} steps after a warm-up")
    models = [("vae", VAE(), vae_loss, vae_evaluate), ("conv-dae", ConvDAE(), dae_loss, dae_evaluate)]
    for name, model, loss_of, evaluate in models:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        rates = []
        for run in range(args.repeats + 1):
            started = time.perf_counter()
            for _ in range(args.steps):
                x = train[torch.randint(len(train), (128,))]
                loss = loss_of(model, x)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            if run > 0:
                rates.append(args.steps * 128 / (time.perf_counter() - started))
        evaluations = []
        with torch.no_grad():
            for _ in range(args.repeats):
                started = time.perf_counter()
                totals = sum(evaluate(model, test[i:i + 1000]) for i in range(0, len(test), 1000))
                totals.tolist()  # one readback, as aestudio does
                evaluations.append((time.perf_counter() - started) * 1000)
        median, low, high = median_min_max(rates)
        print(f"| `{name}` | {median:.0f} ({low:.0f}-{high:.0f}) samples/s |")
        print("bench-result " + json.dumps({"where": "native", "kind": "train", "backend": "pytorch", "model": name,
                                            "median": median, "min": low, "max": high}))
        median, low, high = median_min_max(evaluations)
        print("bench-result " + json.dumps({"where": "native", "kind": "evaluate", "backend": "pytorch", "model": name,
                                            "images": len(test), "median": median, "min": low, "max": high}))


if __name__ == "__main__":
    main()
