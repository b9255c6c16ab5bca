"""Opens an aestudio weight file with Hugging Face's own `safetensors` package and runs the dense
model in NumPy: proof that the file is plain safetensors, readable outside this project.

    pip install safetensors numpy
    python3 tests/reference/read_weights.py www/models/vae.safetensors www/data/mnist/t10k-images-idx3-ubyte.gz

Prints the configuration from the metadata and, on the first 1,000 test digits, the reconstruction
error per pixel (decoding the code, or a VAE's posterior mean). Layout: a linear weight is [in, out].
"""
import gzip
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

weights_path, images_path = sys.argv[1], sys.argv[2]
tensors = load_file(weights_path)
with safe_open(weights_path, "np") as f:
    metadata = f.metadata()
config = json.loads(metadata["config"])
print("config:", config)
print("provenance:", metadata["provenance"])
assert config["architecture"]["kind"] == "mlp" and config["activation"] == "relu", "this script runs dense ReLU models"

raw = gzip.open(images_path).read() if images_path.endswith(".gz") else open(images_path, "rb").read()
x = np.frombuffer(raw[16 : 16 + 784 * 1000], np.uint8).reshape(1000, 784).astype(np.float32) / 255.0


def mlp(prefix, h):
    layers = sum(1 for name in tensors if name.startswith(f"{prefix}.Mlp.layers.") and name.endswith(".weight"))
    for i in range(layers):
        h = h @ tensors[f"{prefix}.Mlp.layers.{i}.weight"] + tensors[f"{prefix}.Mlp.layers.{i}.bias"]
        if i < layers - 1:
            h = np.maximum(h, 0)
    return h


code = mlp("encoder", x)[:, : config["code_size"]]  # a VAE's encoder gives [mean, log-variance]
probabilities = 1 / (1 + np.exp(-mlp("decoder", code)))
print(f"first 1,000 test digits: reconstruction MSE per pixel {((probabilities - x) ** 2).mean():.5f}")
