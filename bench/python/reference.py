"""The Python reference side of the benchmark: OpenAI's way of running CLIP on a CPU.

The model is bench/python/clip_arch.py (the same architecture and the same weights the ONNX files were exported
from), in fp32 on the CPU with torch.set_num_threads(cores) and torch.inference_mode(); images go through OpenAI's
clip._transform (PIL decode, torchvision Resize(224, bicubic), CenterCrop, RGB, ToTensor, Normalize) in a
DataLoader with 2 workers, batches of 32, as in the CLIP README's linear-probe example. Each mode prints one JSON
line; bench/run.sh runs every mode in its own process (under /usr/bin/time for the peak memory).

  reference.py image   --model DIR --batch B [--seconds S]
  reference.py text    --model DIR --tokens FILE.npy [--seconds S]
  reference.py folder  --model DIR --dir PHOTOS [--batch 32] [--workers 2]
  reference.py vectors --n N --out DIR [--queries Q]  (N clustered unit vectors × 512 + Q queries, raw float32, for both sides)
  reference.py search  --data DIR [--hnsw]           (numpy and faiss IndexFlatIP, one query at a time; faiss HNSW)
  reference.py sgemm                                (fp32 matrix product peak through numpy/OpenBLAS)
  reference.py embed   --model DIR --files LIST --out OUT.npy   (reference embeddings, for cosine checks)
  reference.py classify --model DIR --image FILE --tokens FILE.npy  (cold start: load + classify one image)
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

CORES = os.cpu_count() or 1


def load_model(model_dir):
    import torch
    import clip_arch
    with open(os.path.join(model_dir, "generator.json")) as fh:
        arch = json.load(fh)["arch"]
    m = clip_arch.CLIP(**clip_arch.ARCHS[arch])
    m.load_state_dict(torch.load(os.path.join(model_dir, "model.pt")), strict=False)
    return m.eval(), arch


def transform(size=224):
    # openai/CLIP clip/clip.py _transform
    from torchvision.transforms import CenterCrop, Compose, Normalize, Resize, ToTensor, InterpolationMode
    return Compose([Resize(size, interpolation=InterpolationMode.BICUBIC), CenterCrop(size), lambda im: im.convert("RGB"), ToTensor(),
                    Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))])


def rate(fn, items, seconds, min_runs=3):
    """Median items/s over repeated calls for about `seconds`, after one warm-up call."""
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return items / statistics.median(times), len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("--model")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--tokens")
    ap.add_argument("--dir")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--files")
    ap.add_argument("--out")
    ap.add_argument("--image")
    ap.add_argument("--data")
    ap.add_argument("--hnsw", action="store_true")
    a = ap.parse_args()
    out = {"mode": a.mode}

    if a.mode == "classify":
        # What a user's `python -c` does: import, load the model, preprocess one image, encode the prompts, softmax.
        import torch
        torch.set_num_threads(CORES)
        from PIL import Image
        model, _ = load_model(a.model)
        with torch.inference_mode():
            img = model.encode_image(transform()(Image.open(a.image)).unsqueeze(0))
            txt = model.encode_text(torch.from_numpy(np.load(a.tokens).astype(np.int64)))
            img = img / img.norm(dim=-1, keepdim=True)
            txt = txt / txt.norm(dim=-1, keepdim=True)
            out["probs"] = (100.0 * img @ txt.T).softmax(dim=-1)[0].tolist()
    elif a.mode in ("image", "text", "folder", "embed"):
        import torch
        torch.set_num_threads(CORES)
        t0 = time.perf_counter()
        model, arch = load_model(a.model)
        out["load_s"] = time.perf_counter() - t0
        out["arch"] = arch
        with torch.inference_mode():
            if a.mode == "image":
                x = torch.randn(a.batch, 3, 224, 224, generator=torch.Generator().manual_seed(1))
                out["per_s"], out["runs"] = rate(lambda: model.encode_image(x), a.batch, a.seconds)
                out["batch"] = a.batch
            elif a.mode == "text":
                ids = torch.from_numpy(np.load(a.tokens).astype(np.int64))  # [N, 77], clip.tokenize's padded ids
                out["per_s"], out["runs"] = rate(lambda: model.encode_text(ids), ids.shape[0], a.seconds)
                out["batch"] = int(ids.shape[0])
            elif a.mode == "folder":
                from PIL import Image
                tf = transform()
                files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir) if f.lower().endswith(".jpg"))

                class Folder(torch.utils.data.Dataset):
                    def __len__(self):
                        return len(files)

                    def __getitem__(self, i):
                        return tf(Image.open(files[i]))

                loader = torch.utils.data.DataLoader(Folder(), batch_size=a.batch, num_workers=a.workers)
                t = time.perf_counter()
                n = 0
                for batch in loader:
                    emb = model.encode_image(batch)
                    emb = emb / emb.norm(dim=-1, keepdim=True)
                    n += batch.shape[0]
                secs = time.perf_counter() - t
                out.update(images=n, seconds=secs, per_s=n / secs)
            else:  # embed: reference embeddings of a list of files (exact pipeline), normalised
                from PIL import Image
                tf = transform()
                files = [l.strip() for l in open(a.files) if l.strip()]
                x = torch.stack([tf(Image.open(f)) for f in files])
                emb = model.encode_image(x)
                emb = emb / emb.norm(dim=-1, keepdim=True)
                np.save(a.out, emb.numpy().astype(np.float32))
                out["images"] = len(files)
    elif a.mode == "vectors":
        # CLIP embeddings are not uniform on the sphere: photos fall into many loose groups. Model that with 2 000
        # random centres and a noise of the same norm (cosine to the centre ~0.7), so graph search has structure to
        # find, as on real data; uniform random vectors are the worst case for HNSW and unlike any photo collection.
        dim, chunk = 512, 50_000
        rng = np.random.default_rng(7)
        centres = rng.standard_normal((2000, dim), dtype=np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)

        def draw(count):
            x = centres[rng.integers(0, len(centres), count)]
            x += rng.standard_normal((count, dim), dtype=np.float32) / np.sqrt(dim, dtype=np.float32)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            return x

        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "db.f32.tmp"), "wb") as fh:
            for start in range(0, a.n, chunk):
                draw(min(chunk, a.n - start)).tofile(fh)
        draw(a.queries).tofile(os.path.join(a.out, "queries.f32"))
        os.replace(os.path.join(a.out, "db.f32.tmp"), os.path.join(a.out, "db.f32"))
        with open(os.path.join(a.out, "meta.json"), "w") as fh:
            json.dump({"n": a.n, "dim": dim, "queries": a.queries, "seed": 7, "centres": len(centres)}, fh)
        out.update(n=a.n, queries=a.queries)
    elif a.mode == "search":
        with open(os.path.join(a.data, "meta.json")) as fh:
            meta = json.load(fh)
        dim = meta["dim"]
        db = np.fromfile(os.path.join(a.data, "db.f32"), dtype=np.float32).reshape(meta["n"], dim)
        qs = np.fromfile(os.path.join(a.data, "queries.f32"), dtype=np.float32).reshape(meta["queries"], dim)

        def np_top10(q):
            s = db @ q
            idx = np.argpartition(-s, 10)[:10]
            return idx[np.argsort(-s[idx])]

        lat = []
        for q in qs:
            t = time.perf_counter()
            np_top10(q)
            lat.append(time.perf_counter() - t)
        out["numpy_ms"] = statistics.median(lat[1:]) * 1e3
        import faiss
        faiss.omp_set_num_threads(CORES)
        index = faiss.IndexFlatIP(dim)
        index.add(db)
        lat = []
        agree = 0
        exact = []
        for q in qs:
            t = time.perf_counter()
            _, ids = index.search(q[None, :], 10)
            lat.append(time.perf_counter() - t)
            exact.append(set(ids[0].tolist()))
            agree += int(exact[-1] == set(np_top10(q).tolist()))
        out["faiss_ms"] = statistics.median(lat[1:]) * 1e3
        out["faiss_agrees_with_numpy"] = agree / len(qs)
        if a.hnsw:
            del index
            # The same graph parameters as ClipSharp's defaults (HnswOptions): M 16, efConstruction 128, efSearch 128.
            hnsw = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 128
            t = time.perf_counter()
            hnsw.add(db)
            out["hnsw_build_s"] = time.perf_counter() - t
            hnsw.hnsw.efSearch = 128
            lat = []
            hits = 0
            for q, truth in zip(qs, exact):
                t = time.perf_counter()
                _, ids = hnsw.search(q[None, :], 10)
                lat.append(time.perf_counter() - t)
                hits += len(truth & set(ids[0].tolist()))
            out["hnsw_ms"] = statistics.median(lat[1:]) * 1e3
            out["hnsw_recall"] = hits / (10 * len(qs))
        out["n"] = meta["n"]
    elif a.mode == "sgemm":
        n = 2048
        x = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
        y = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
        best = []
        for _ in range(7):
            t = time.perf_counter()
            x @ y
            best.append(time.perf_counter() - t)
        out["gflops_median"] = 2 * n ** 3 / statistics.median(best[1:]) / 1e9
        out["gflops_best"] = 2 * n ** 3 / min(best) / 1e9
        out["n"] = n
    else:
        sys.exit("unknown mode " + a.mode)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
