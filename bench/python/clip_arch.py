"""CLIP (OpenAI's published ViT architecture) in plain PyTorch, for benchmarks with random weights.

Pre-LayerNorm residual blocks with QuickGELU, a class token and ln_post + projection on the vision side;
token + positional embeddings, a causal mask, ln_final and EOT pooling (argmax of the ids: EOT 49407 is
the largest id) + projection on the text side. Parameter layout and initialisation follow
openai/CLIP's clip/model.py (initialize_parameters), so the numerics are those of a real model of the
same shape; the weights are random (fixed seed), as no real checkpoint is available offline.
"""
import math

import torch
from torch import nn

ARCHS = {
    # name: embed, image, patch, vision width, vision layers, text width, text layers, text heads
    "ViT-B-32": dict(embed_dim=512, image_size=224, patch=32, v_width=768, v_layers=12, t_width=512, t_layers=12, t_heads=8),
    "ViT-B-16": dict(embed_dim=512, image_size=224, patch=16, v_width=768, v_layers=12, t_width=512, t_layers=12, t_heads=8),
    "ViT-L-14": dict(embed_dim=768, image_size=224, patch=14, v_width=1024, v_layers=24, t_width=768, t_layers=12, t_heads=12),
}
CONTEXT = 77
VOCAB = 49408


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    """Multi-head self-attention with nn.MultiheadAttention's parameter layout (in_proj, out_proj), batch-first."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.in_proj = nn.Linear(d, 3 * d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x, mask=None):
        b, n, d = x.shape
        h = self.heads
        qkv = self.in_proj(x).reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q * (1.0 / math.sqrt(d // h))) @ k.transpose(-2, -1)
        if mask is not None:
            att = att + mask
        att = att.softmax(dim=-1)
        out = (att @ v).transpose(1, 2).reshape(b, n, d)
        return self.out_proj(out)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), QuickGELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class Vision(nn.Module):
    def __init__(self, image_size, patch, width, layers, embed_dim):
        super().__init__()
        heads = width // 64
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn((image_size // patch) ** 2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, embed_dim))

    def forward(self, x):
        x = self.conv1(x).flatten(2).transpose(1, 2)  # [b, grid², width]
        cls = self.class_embedding.reshape(1, 1, -1).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x)
        for blk in self.blocks:
            x = blk(x)
        return self.ln_post(x[:, 0, :]) @ self.proj


class Text(nn.Module):
    def __init__(self, width, layers, heads, embed_dim):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB, width)
        self.positional_embedding = nn.Parameter(torch.empty(CONTEXT, width))
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.empty(width, embed_dim))
        self.register_buffer("mask", torch.full((CONTEXT, CONTEXT), float("-inf")).triu(1), persistent=False)

    def forward(self, ids):
        n = ids.shape[1]
        x = self.token_embedding(ids) + self.positional_embedding[:n]
        mask = self.mask[:n, :n]
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.ln_final(x)
        eot = ids.to(torch.int64).argmax(dim=-1)
        return x[torch.arange(x.shape[0]), eot] @ self.text_projection


class CLIP(nn.Module):
    def __init__(self, embed_dim, image_size, patch, v_width, v_layers, t_width, t_layers, t_heads):
        super().__init__()
        self.visual = Vision(image_size, patch, v_width, v_layers, embed_dim)
        self.text = Text(t_width, t_layers, t_heads, embed_dim)
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
        self._init(t_width, t_layers, v_width, v_layers)

    def _init(self, t_width, t_layers, v_width, v_layers):
        # openai/CLIP initialize_parameters (applied to both towers' blocks)
        nn.init.normal_(self.text.token_embedding.weight, std=0.02)
        nn.init.normal_(self.text.positional_embedding, std=0.01)
        for blocks, width, layers in ((self.text.blocks, t_width, t_layers), (self.visual.blocks, v_width, v_layers)):
            proj_std = (width ** -0.5) * ((2 * layers) ** -0.5)
            attn_std = width ** -0.5
            fc_std = (2 * width) ** -0.5
            for b in blocks:
                nn.init.normal_(b.attn.in_proj.weight, std=attn_std)
                nn.init.zeros_(b.attn.in_proj.bias)
                nn.init.normal_(b.attn.out_proj.weight, std=proj_std)
                nn.init.zeros_(b.attn.out_proj.bias)
                nn.init.normal_(b.mlp[0].weight, std=fc_std)
                nn.init.normal_(b.mlp[2].weight, std=proj_std)
        nn.init.normal_(self.text.text_projection, std=t_width ** -0.5)

    def encode_image(self, x):
        return self.visual(x)

    def encode_text(self, ids):
        return self.text(ids)


def build(arch, seed=20251127):
    torch.manual_seed(seed)
    m = CLIP(**ARCHS[arch]).eval()
    return m


def flops_per_image(arch):
    """Multiply-adds × 2 of one image through the vision tower (matrix products only)."""
    a = ARCHS[arch]
    n = (a["image_size"] // a["patch"]) ** 2 + 1
    d = a["v_width"]
    per_layer = 2 * n * d * (3 * d + d + 8 * d) + 2 * 2 * n * n * d
    conv = 2 * (n - 1) * 3 * a["patch"] ** 2 * d
    return a["v_layers"] * per_layer + conv + 2 * d * a["embed_dim"]
