"""Builds N real-size JPEGs (2-12 megapixels) from the 37 test photos: upscale (bicubic) and crop, quality 90.

  make_photos.py SRC_DIR OUT_DIR [N]
Deterministic: photo i%37, a size drawn from a fixed-seed generator, aspect 4:3 / 3:2 / 16:9, landscape or portrait.
"""
import os
import random
import sys

from PIL import Image

src, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 320
os.makedirs(out, exist_ok=True)
photos = sorted(f for f in os.listdir(src) if f.lower().endswith((".jpg", ".png")))
rng = random.Random(20251127)
for i in range(n):
    dst = os.path.join(out, f"photo_{i:04d}.jpg")
    if os.path.exists(dst):
        continue
    mp = rng.uniform(2.0, 12.0) * 1e6
    ar = rng.choice([4 / 3, 3 / 2, 16 / 9])
    w = int((mp * ar) ** 0.5)
    h = int(w / ar)
    if rng.random() < 0.3:
        w, h = h, w
    im = Image.open(os.path.join(src, photos[i % len(photos)])).convert("RGB")
    s = max(w / im.width, h / im.height) * rng.uniform(1.0, 1.15)
    im = im.resize((max(w, int(im.width * s + 0.5)), max(h, int(im.height * s + 0.5))), Image.BICUBIC)
    x = rng.randint(0, im.width - w)
    y = rng.randint(0, im.height - h)
    im.crop((x, y, x + w, y + h)).save(dst, quality=90)
print(n, "photos in", out)
