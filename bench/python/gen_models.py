"""Generates full-size CLIP models with deterministic random weights in both public ONNX layouts.

  gen_models.py --arch ViT-B-32 --out DIR [--micro ../shared/testdata/models/micro]

Writes DIR/model.pt (state dict, for the PyTorch reference), DIR/openclip/ (Immich / open_clip layout: int32
`text` [batch,77], `image` [batch,3,224,224] -> L2-normalised `embedding`, opset 17) and DIR/hf/ (Hugging Face /
transformers.js layout: int64 `input_ids` [batch,sequence_length], `pixel_values` -> unnormalised
`image_embeds`/`text_embeds`, opset 14) with onnx/*_quantized.onnx (dynamic int8) and onnx/*_fp16.onnx made by
quantize.py. Tokenizer and preprocessing files are copied from the micro test model's folders, whose layout
these folders reproduce file for file.
"""
import argparse
import json
import os
import shutil
import time

import torch

import clip_arch
import quantize


class OpenClipVisual(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, image):
        x = self.m.encode_image(image)
        return x / x.norm(dim=-1, keepdim=True)


class OpenClipText(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, text):
        x = self.m.encode_text(text)
        return x / x.norm(dim=-1, keepdim=True)


class HfVisual(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values):
        return self.m.encode_image(pixel_values)


class HfText(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m.encode_text(input_ids)


def export(module, example, path, in_name, out_name, axes, opset):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    t = time.time()
    torch.onnx.export(module, (example,), path, input_names=[in_name], output_names=[out_name],
                      dynamic_axes={in_name: axes, out_name: {0: "batch_size"}}, opset_version=opset,
                      do_constant_folding=True)
    print(f"  {path}: {os.path.getsize(path) / 1e6:.1f} MB in {time.time() - t:.1f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="ViT-B-32", choices=sorted(clip_arch.ARCHS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--micro", required=True)
    ap.add_argument("--seed", type=int, default=20251127)
    args = ap.parse_args()
    a = clip_arch.ARCHS[args.arch]
    out = args.out
    os.makedirs(out, exist_ok=True)
    m = clip_arch.build(args.arch, args.seed)
    torch.save(m.state_dict(), os.path.join(out, "model.pt"))
    size = a["image_size"]
    image = torch.randn(2, 3, size, size)
    ids = torch.zeros(2, clip_arch.CONTEXT, dtype=torch.int64)
    ids[:, 0] = 49406
    ids[0, 1:5] = torch.tensor([320, 1125, 539, 320])
    ids[0, 5] = 49407
    ids[1, 1] = 49407

    with torch.no_grad():
        # open_clip / Immich layout
        oc = os.path.join(out, "openclip")
        export(OpenClipVisual(m), image, os.path.join(oc, "visual", "model.onnx"), "image", "embedding", {0: "batch_size"}, 17)
        export(OpenClipText(m), ids.to(torch.int32), os.path.join(oc, "textual", "model.onnx"), "text", "embedding", {0: "batch_size"}, 17)
        micro_oc = os.path.join(args.micro, "openclip")
        shutil.copy(os.path.join(micro_oc, "visual", "preprocess_cfg.json"), os.path.join(oc, "visual"))
        for f in os.listdir(os.path.join(micro_oc, "textual")):
            # Files only: a model folder that was loaded while writable also holds a .clipsharp-cache folder.
            if f != "model.onnx" and os.path.isfile(os.path.join(micro_oc, "textual", f)):
                shutil.copy(os.path.join(micro_oc, "textual", f), os.path.join(oc, "textual"))
        with open(os.path.join(oc, "config.json"), "w") as fh:
            json.dump({"embed_dim": a["embed_dim"],
                       "vision_cfg": {"image_size": size, "layers": a["v_layers"], "width": a["v_width"], "patch_size": a["patch"]},
                       "text_cfg": {"context_length": clip_arch.CONTEXT, "vocab_size": clip_arch.VOCAB, "width": a["t_width"],
                                    "heads": a["t_heads"], "layers": a["t_layers"]}}, fh)

        # Hugging Face / transformers.js layout
        hf = os.path.join(out, "hf")
        export(HfVisual(m), image, os.path.join(hf, "onnx", "vision_model.onnx"), "pixel_values", "image_embeds",
               {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"}, 14)
        export(HfText(m), ids, os.path.join(hf, "onnx", "text_model.onnx"), "input_ids", "text_embeds",
               {0: "batch_size", 1: "sequence_length"}, 14)
        micro_hf = os.path.join(args.micro, "hf")
        for f in os.listdir(micro_hf):
            if os.path.isfile(os.path.join(micro_hf, f)) and f != "config.json":
                shutil.copy(os.path.join(micro_hf, f), hf)
        with open(os.path.join(micro_hf, "config.json")) as fh:
            cfg = json.load(fh)
        cfg["projection_dim"] = a["embed_dim"]
        cfg["text_config"].update(hidden_size=a["t_width"], intermediate_size=4 * a["t_width"], num_attention_heads=a["t_heads"],
                                  num_hidden_layers=a["t_layers"], projection_dim=a["embed_dim"])
        cfg["vision_config"].update(hidden_size=a["v_width"], intermediate_size=4 * a["v_width"], num_attention_heads=a["v_width"] // 64,
                                    num_hidden_layers=a["v_layers"], patch_size=a["patch"], image_size=size, projection_dim=a["embed_dim"])
        with open(os.path.join(hf, "config.json"), "w") as fh:
            json.dump(cfg, fh, indent=2)

    for tower in ("vision_model", "text_model"):
        src = os.path.join(hf, "onnx", tower + ".onnx")
        quantize.quantize_dynamic(src, os.path.join(hf, "onnx", tower + "_quantized.onnx"))
        quantize.to_fp16(src, os.path.join(hf, "onnx", tower + "_fp16.onnx"))
    with open(os.path.join(out, "generator.json"), "w") as fh:
        json.dump({"arch": args.arch, "seed": args.seed, "hyperparameters": a, "torch": torch.__version__,
                   "vision_gflop_per_image": clip_arch.flops_per_image(args.arch) / 1e9}, fh, indent=1)
    print("done", out)


if __name__ == "__main__":
    main()
