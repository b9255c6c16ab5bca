"""Reference: the PyTorch examples VAE (784-400-20-400-784, Bernoulli decoder, BCE summed over
pixels + KL, Adam 1e-3, batch 128) on the same IDX files, printing the same figures as
`aestudio train --model vae`: per-epoch samples/s and the test loss per sample.

Not a test: a comparison command. Usage: python3 tests/reference/pytorch_vae.py [--epochs 10]
[--device cpu|cuda] [--data data/mnist] [--seed 1]
"""
import argparse
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def read_images(path):
    raw = np.fromfile(path, dtype=np.uint8)
    assert int.from_bytes(raw[:4].tobytes(), "big") == 0x803, f"{path} is not an IDX image file"
    return torch.from_numpy(raw[16:].reshape(-1, 784).astype(np.float32) / 255.0)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar


def loss_sum(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    train = read_images(f"{args.data}/train-images-idx3-ubyte").to(device)
    test = read_images(f"{args.data}/t10k-images-idx3-ubyte").to(device)
    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    print(f"torch {torch.__version__} on {device} ({torch.get_num_threads()} CPU threads)")
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train), device=device)
        sync()
        started = time.perf_counter()
        total = 0.0
        for start in range(0, len(train), 128):
            x = train[order[start:start + 128]]
            logits, mu, logvar = model(x)
            loss = loss_sum(logits, x, mu, logvar)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach()
        sync()
        seconds = time.perf_counter() - started
        model.eval()
        test_loss = 0.0
        with torch.no_grad():
            for i in range(0, len(test), 1000):
                x = test[i:i + 1000]
                logits, mu, logvar = model(x)
                test_loss += loss_sum(logits, x, mu, logvar).item()
        test_loss /= len(test)
        print(f"epoch {epoch:>3}  train {float(total) / len(train):>10.4f}  test {test_loss:>10.4f}  "
              f"{len(train) / seconds:>8.0f} samples/s")


if __name__ == "__main__":
    main()
