"""Writes small valid weight files (and a few near misses) as the fuzzer's starting corpus.

The tensors follow the layout that `src/weights.rs` writes: module paths, F32, burn's [in, out].
"""
import json
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "corpus/weights_loader"
os.makedirs(out, exist_ok=True)


def mlp(prefix, widths):
    shapes = {}
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        shapes[f"{prefix}.Mlp.layers.{i}.weight"] = [a, b]
        shapes[f"{prefix}.Mlp.layers.{i}.bias"] = [b]
    return shapes


def model_file(code, hidden, variational, corruption, version=2, critic=None):
    config = {"code_size": code, "architecture": {"kind": "mlp", "hidden": hidden}, "activation": "relu",
              "likelihood": "bernoulli", "corruption": corruption}
    if version == 1:  # the objective as version 1 stored it, which the loader migrates
        config.update({"variational": variational, "beta": 1.0})
    elif critic:
        config.update({"objective": {"kind": "adversarial", "weight": 0.05}, "critic": critic})
    else:
        config["objective"] = {"kind": "variational", "beta": 1.0} if variational else {"kind": "reconstruction"}
    shapes = {**mlp("encoder", [784, *hidden, 2 * code if variational else code]), **mlp("decoder", [code, *hidden[::-1], 784])}
    if critic:
        shapes.update({k.replace("critic.Mlp", "critic.network"): v for k, v in mlp("critic", [code, *critic["hidden"], 1]).items()})
    header = {"__metadata__": {"format": "aestudio", "format_version": str(version), "config": json.dumps(config), "provenance": "seed"}}
    offset = 0
    for name in sorted(shapes):
        size = 4 * eval("*".join(map(str, shapes[name])))
        header[name] = {"dtype": "F32", "shape": shapes[name], "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + bytes(offset)


seeds = {
    "ae-code1": model_file(1, [1], False, {"kind": "none"}),
    "vae-code1": model_file(1, [2], True, {"kind": "none"}),
    "dae-two-hidden": model_file(2, [1, 1], False, {"kind": "masking", "keep_probability": 0.5}),
    "vae-version1": model_file(1, [2], True, {"kind": "none"}, version=1),
    "aae-critic": model_file(1, [1], False, {"kind": "none"}, critic={"hidden": [1], "learning_rate": 0.001, "steps": 1}),
}
seeds["truncated"] = seeds["ae-code1"][:-7]
seeds["header-only"] = seeds["vae-code1"][: 8 + struct.unpack("<Q", seeds["vae-code1"][:8])[0]]
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {out}")
