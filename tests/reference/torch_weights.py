"""aestudio weight files in PyTorch, both ways: a dense model's file becomes torch.nn modules that
score the MNIST test set, and weights trained by PyTorch go back into a file the CLI loads.

    python3 tests/reference/torch_weights.py score weights/ae.safetensors data/mnist
    python3 tests/reference/torch_weights.py finetune weights/ae.safetensors data/mnist out.safetensors --steps 200
    cargo run --release -- eval out.safetensors      # the same test figures as PyTorch's

A linear weight is stored [in, out] (burn's layout), the transpose of torch's `nn.Linear.weight`.
`score` prints the test reconstruction's MSE and BCE per pixel over the 10,000 test images (for a
VAE, of its posterior mean; `aestudio eval` samples a code, so compare a plain autoencoder's).
Dense models with ReLU hidden layers only (the `mlp` architecture). Needs torch and safetensors.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F


def read_images(path):
    raw = np.fromfile(path, dtype=np.uint8)
    assert int.from_bytes(raw[:4].tobytes(), "big") == 0x803, f"{path} is not an IDX image file"
    return torch.from_numpy(raw[16:].reshape(-1, 784).astype(np.float32) / 255.0)


def dense_stack(tensors, prefix):
    """The torch layers of `{prefix}.Mlp.layers.{i}`, weights transposed to torch's layout."""
    layers = []
    while f"{prefix}.Mlp.layers.{len(layers)}.weight" in tensors:
        weight = tensors[f"{prefix}.Mlp.layers.{len(layers)}.weight"]
        linear = nn.Linear(*weight.shape)
        with torch.no_grad():
            linear.weight.copy_(weight.T)
            linear.bias.copy_(tensors[f"{prefix}.Mlp.layers.{len(layers)}.bias"])
        layers.append(linear)
    assert layers, f"no dense layers under {prefix}: this script reads the mlp architecture only"
    return nn.ModuleList(layers)


class DenseAutoencoder(nn.Module):
    """The aestudio dense autoencoder: ReLU between layers, the code (a VAE's mean) taken from the
    encoder's first `code_size` outputs, logits out of the decoder."""

    def __init__(self, tensors, config):
        super().__init__()
        assert config["architecture"]["kind"] == "mlp" and config["activation"] == "relu", "dense ReLU models only"
        assert config.get("code_activation") in (None, "none"), "models without a code activation only"
        self.code_size = config["code_size"]
        self.encoder, self.decoder = dense_stack(tensors, "encoder"), dense_stack(tensors, "decoder")

    @staticmethod
    def run(layers, h):
        for i, layer in enumerate(layers):
            h = layer(h)
            if i < len(layers) - 1:
                h = F.relu(h)
        return h

    def forward(self, x):
        return self.run(self.decoder, self.run(self.encoder, x)[:, : self.code_size])

    def state_for_aestudio(self):
        """The parameters under aestudio's names, in its layout."""
        out = {}
        for prefix, layers in (("encoder", self.encoder), ("decoder", self.decoder)):
            for i, layer in enumerate(layers):
                out[f"{prefix}.Mlp.layers.{i}.weight"] = layer.weight.detach().T.contiguous()
                out[f"{prefix}.Mlp.layers.{i}.bias"] = layer.bias.detach().clone()
        return out


def open_model(path):
    tensors = load_file(path)
    with safe_open(path, "pt") as f:
        metadata = f.metadata()
    assert metadata.get("format") == "aestudio", f"{path}: not an aestudio autoencoder file ({metadata.get('format')})"
    return DenseAutoencoder(tensors, json.loads(metadata["config"])), tensors, metadata


@torch.no_grad()
def score(model, images):
    logits = torch.cat([model(batch) for batch in images.split(1000)])
    mse = ((torch.sigmoid(logits) - images) ** 2).mean().item()
    bce = F.binary_cross_entropy_with_logits(logits, images).item()
    return mse, bce


def finetune(model, train, steps, seed):
    """`steps` Adam steps (1e-3, batch 128) on the per-pixel BCE, in PyTorch."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(steps):
        batch = train[torch.randint(len(train), (128,), generator=generator)]
        loss = F.binary_cross_entropy_with_logits(model(batch), batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["score", "finetune"])
    parser.add_argument("weights")
    parser.add_argument("data", help="the folder of MNIST's IDX files")
    parser.add_argument("out", nargs="?", help="finetune: where to write the new weight file")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model, tensors, metadata = open_model(args.weights)
    test = read_images(Path(args.data) / "t10k-images-idx3-ubyte")
    if args.action == "finetune":
        assert args.out, "finetune needs an output path"
        last = finetune(model, read_images(Path(args.data) / "train-images-idx3-ubyte"), args.steps, args.seed)
        print(f"{args.steps} Adam steps in PyTorch {torch.__version__}: last batch BCE/px {last:.4f}")
        # Every tensor of the original file, the trained ones replaced; the same metadata, a new provenance.
        save_file({**tensors, **model.state_for_aestudio()}, args.out, metadata={
            **metadata,
            "provenance": f"{metadata.get('provenance', '')}; then {args.steps} Adam steps (1e-3, batch 128, BCE) in PyTorch {torch.__version__}",
        })
        print(f"wrote {args.out}")
    mse, bce = score(model, test)
    print(f"test images ({len(test)}): reconstruction MSE per pixel {mse:.6f}, BCE per pixel {bce:.5f}")


if __name__ == "__main__":
    main()
