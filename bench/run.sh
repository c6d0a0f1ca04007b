#!/usr/bin/env bash
# ClipSharp vs the Python reference, side by side in one invocation. Not run by CI (about 20 minutes).
# Usage: bench/run.sh [--arch ViT-B-32|ViT-B-16|ViT-L-14] [--quick] [--no-docs] [--no-search]
#   --quick      shorter timings and fewer photos (a smoke run; numbers are rougher)
#   --no-docs    print the table only; do not rewrite docs/performance.md
#   --no-search  skip the search rows (they do not depend on the model; faiss's HNSW build alone takes ~10 minutes)
# Environment: CLIPSHARP_BENCH_CACHE (default ~/.cache/clipsharp-bench) holds the generated models and photos;
# CLIPSHARP_TESTDATA (default ../shared/testdata). Nothing is written into the repository except docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
arch=ViT-B-32 quick=0 docs=1 search=1
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift ;;
    --quick) quick=1 ;;
    --no-docs) docs=0 ;;
    --no-search) search=0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cache=${CLIPSHARP_BENCH_CACHE:-$HOME/.cache/clipsharp-bench}
testdata=${CLIPSHARP_TESTDATA:-$root/../shared/testdata}
py=/usr/bin/python3   # Debian's Python: the apt packages below are installed for it
secs=20 photos=320
[ "$quick" = 1 ] && secs=5 photos=96
mkdir -p "$cache"
run_dir=$(mktemp -d); trap 'rm -rf "$run_dir"' EXIT
results=$cache/last-results-$arch.jsonl; : >"$results"   # kept after the run (cpu_s and all raw fields), one per model

# 1. Debian packages (the reference's stack; OpenBLAS so numpy/torch are not on the netlib reference BLAS).
pkgs=(python3-torch python3-torchvision python3-pil python3-numpy python3-onnx python3-faiss libopenblas0-pthread time)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. Models (random weights, both layouts, int8 and fp16 variants), a MatMul graph and the real-size photos.
model=$cache/$arch
if [ ! -f "$model/generator.json" ]; then
  echo "generating $arch into $model" >&2
  (cd bench/python && "$py" gen_models.py --arch "$arch" --out "$model" --micro "$testdata/models/micro" 2>&1 | grep -v -i warn >&2)
fi
[ -f "$cache/matmul.onnx" ] || "$py" bench/python/make_matmul.py "$cache/matmul.onnx"
"$py" bench/python/make_photos.py "$testdata/photos" "$cache/photos" "$photos" >&2
photo_dir=$run_dir/photos; mkdir -p "$photo_dir"
for i in $(seq 0 $((photos - 1))); do ln -s "$cache/photos/photo_$(printf %04d "$i").jpg" "$photo_dir/"; done

# 3. Build ClipSharp in Release.
#    The CLI as the tool package ships it for this platform: ReadyToRun, framework-dependent (see ClipSharp.Cli.csproj).
dotnet build bench/ClipSharp.Bench -c Release -nologo -v quiet >/dev/null
rid=$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')
dotnet publish src/ClipSharp.Cli -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$run_dir/cli" -nologo -v quiet >/dev/null
bench=(dotnet "$root/bench/ClipSharp.Bench/bin/Release/net10.0/ClipSharp.Bench.dll")
cli=(dotnet "$run_dir/cli/ClipSharp.Cli.dll")
ref=("$py" "$root/bench/python/reference.py")

# measure NAME SIDE CMD...: runs CMD under /usr/bin/time, keeps its JSON line plus peak RSS, wall time and load average.
measure() {
  local name=$1 side=$2; shift 2
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local t0; t0=$(date +%s.%N)
  /usr/bin/time -f '%M %U %S' -o "$run_dir/rss" "$@" >"$run_dir/out" 2>"$run_dir/err" || { echo "FAILED: $name: $(tail -3 "$run_dir/err")" >&2; return 0; }
  local t1; t1=$(date +%s.%N)
  local json; json=$(grep '^{' "$run_dir/out" | tail -1)
  [ -n "$json" ] || json='{}'
  "$py" -c 'import json,sys; d=json.loads(sys.argv[1]); m,u,s=sys.argv[4].split(); d.update(name=sys.argv[2], side=sys.argv[3], peak_mb=int(m)/1024, cpu_s=float(u)+float(s), wall_s=float(sys.argv[5]), load=float(sys.argv[6])); print(json.dumps(d))' \
    "$json" "$name" "$side" "$(tail -1 "$run_dir/rss")" "$(echo "$t1 - $t0" | bc -l)" "$load" >>"$results"
  echo "  $name [$side] $(tail -1 "$results" | cut -c1-200)" >&2
}

# 4. The reference's BLAS: Debian's OpenBLAS picks its kernel from the CPU model; on virtual CPUs it can fall back to
#    a generic one (Prescott). Measure each candidate and give the reference the fastest, so the ratios are fair.
best_core="" best_gf=0
for core in auto Haswell SkylakeX; do
  env_core=(); [ "$core" != auto ] && env_core=(env "OPENBLAS_CORETYPE=$core")
  gf=$("${env_core[@]}" "$py" bench/python/reference.py sgemm 2>/dev/null | "$py" -c 'import json,sys; print(json.load(sys.stdin)["gflops_best"])' || echo 0)
  echo "  OpenBLAS core $core: $gf GFLOP/s" >&2
  if "$py" -c "import sys; sys.exit(0 if $gf > $best_gf else 1)"; then best_core=$core best_gf=$gf; fi
done
[ "$best_core" != auto ] && export OPENBLAS_CORETYPE=$best_core
echo "{\"name\": \"openblas_core\", \"side\": \"ref\", \"core\": \"$best_core\"}" >>"$results"

texts=$run_dir/texts; mkdir -p "$texts"
"$py" - "$testdata" "$texts" <<'EOF'
import json, sys
td, out = sys.argv[1:3]
labels = json.load(open(f"{td}/golden/micro/labels_skimage/texts.json"))
classes = [l.strip() for l in open(f"{td}/zeroshot/imagenet_classes.txt") if l.strip()][:64]
open(f"{out}/labels12.txt", "w").write("\n".join(labels) + "\n")
open(f"{out}/one.txt", "w").write(labels[1] + "\n")
open(f"{out}/prompts64.txt", "w").write("\n".join(f"a photo of a {c}." for c in classes) + "\n")
open(f"{out}/classify3.txt", "w").write("a photo of a dog.\na photo of a cat.\na photo of a bird.\n")
EOF
for t in one labels12 prompts64 classify3; do "${bench[@]}" tokens --model "$model/openclip" --texts "$texts/$t.txt" --out "$texts/$t.npy" >/dev/null; done

# The peak is a property of the machine, but one measurement of it can land on a busy moment of a shared machine (a
# run once measured half of it): it is measured here, after the image rows and at the end, and the report takes the best.
peak() {
  echo "== matrix product peak ($1)" >&2
  measure "sgemm$1" ref "${ref[@]}" sgemm
  measure "matmul$1" cs "${bench[@]}" matmul --onnx "$cache/matmul.onnx"
}
peak ""

echo "== image embeddings/s (fp32, preprocessed pixels)" >&2
for b in 1 32; do
  measure "image_b$b" ref "${ref[@]}" image --model "$model" --batch "$b" --seconds "$secs"
  measure "image_b$b" cs "${bench[@]}" image --model "$model/openclip" --batch "$b" --seconds "$secs"
done
for v in quantized fp16; do
  measure "image_b32_$v" cs "${bench[@]}" image --model "$model/hf" --variant "$v" --batch 32 --seconds "$secs"
done

peak "_2"

echo "== text embeddings/s" >&2
for t in one labels12 prompts64; do
  measure "text_$t" ref "${ref[@]}" text --model "$model" --tokens "$texts/$t.npy" --seconds "$secs"
  measure "text_$t" cs "${bench[@]}" text --model "$model/hf" --texts "$texts/$t.txt" --seconds "$secs"
  measure "text_$t" cs_openclip "${bench[@]}" text --model "$model/openclip" --texts "$texts/$t.txt" --seconds "$secs"
done

echo "== folder embedding, $photos JPEGs of 2-12 MP" >&2
all_photos=("$photo_dir"/*.jpg); printf '%s\n' "${all_photos[@]:0:32}" > "$run_dir/list32"
measure folder ref "${ref[@]}" folder --model "$model" --dir "$photo_dir"
measure folder cs "${bench[@]}" folder --model "$model/hf" --dir "$photo_dir" --out "$run_dir/fp32.npy"
measure folder_fast cs "${bench[@]}" folder --model "$model/hf" --dir "$photo_dir" --fast
measure folder_int8 cs "${bench[@]}" folder --model "$model/hf" --variant quantized --dir "$photo_dir" --out "$run_dir/int8.npy"
measure folder_int8_fast cs "${bench[@]}" folder --model "$model/hf" --variant quantized --dir "$photo_dir" --fast
measure folder_fp16_32 cs "${bench[@]}" folder --model "$model/hf" --variant fp16 --list "$run_dir/list32" --out "$run_dir/fp16.npy"
"${bench[@]}" folder --model "$model/hf" --list "$run_dir/list32" --out "$run_dir/fp32_32.npy" >/dev/null
measure cos_int8 cs "${bench[@]}" compare --a "$run_dir/fp32.npy" --b "$run_dir/int8.npy"
measure cos_fp16 cs "${bench[@]}" compare --a "$run_dir/fp32_32.npy" --b "$run_dir/fp16.npy"
measure fidelity_fast cs "${bench[@]}" fidelity --model "$model/hf" --dir "$photo_dir" --count 64
"${ref[@]}" embed --model "$model" --files "$run_dir/list32" --out "$run_dir/ref32.npy" >/dev/null
measure cos_ref_exact cs "${bench[@]}" compare --a "$run_dir/ref32.npy" --b "$run_dir/fp32_32.npy"

echo "== cold start to the first classify result (3 runs each, after one warm-up)" >&2
img=$testdata/golden/images/chelsea.png
# ClipSharp keeps ONNX Runtime's optimised form of each model file (visual/.clipsharp-cache, textual/.clipsharp-cache):
# its first run writes it (measured once, with the cache emptied), later runs load it; the report shows both, and
# runs with the cache turned off.
rm -rf "$model"/openclip/*/.clipsharp-cache
measure coldstart_first cs "${cli[@]}" classify "$img" --labels "dog,cat,bird" --model "$model/openclip" --json
for i in 0 1 2 3; do
  measure "coldstart_$i" ref "${ref[@]}" classify --model "$model" --image "$img" --tokens "$texts/classify3.npy"
  measure "coldstart_$i" cs "${cli[@]}" classify "$img" --labels "dog,cat,bird" --model "$model/openclip" --json
  measure "coldstart_off_$i" cs env CLIPSHARP_OPTIMIZED_MODELS=off "${cli[@]}" classify "$img" --labels "dog,cat,bird" --model "$model/openclip" --json
done

echo "== top-10 search, one query at a time (exact; HNSW at 100 000)" >&2
for n in 100000 1000000; do
  [ "$search" = 1 ] || break
  vectors=$cache/vectors_$n
  [ -f "$vectors/meta.json" ] || "${ref[@]}" vectors --n "$n" --out "$vectors" >/dev/null
  hnsw=(); [ "$n" = 100000 ] && hnsw=(--hnsw)
  measure "search_$n" ref "${ref[@]}" search --data "$vectors" "${hnsw[@]}"
  measure "search_$n" cs "${bench[@]}" search --data "$vectors" "${hnsw[@]}"
  measure "search_${n}_f16" cs "${bench[@]}" search --data "$vectors" --vectors float16 "${hnsw[@]}"
done

peak "_3"

machine=$("$py" - <<'EOF'
import os, platform, re
cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
flags = open("/proc/cpuinfo").read().split("flags")[1].split("\n")[0].split()
isa = [f for f in ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16") if f in flags]
mem = int(open("/proc/meminfo").read().split()[1]) // (1024 * 1024)
print(f"{cpu}, {os.cpu_count()} cores ({' '.join(isa)}), {mem} GB RAM, {platform.platform()}")
EOF
)
args=(--results "$results" --arch "$arch" --machine "$machine" --photos "$photos" --command "bench/run.sh${*:+ $*}")
[ "$docs" = 1 ] && args+=(--docs docs/performance.md)
"$py" bench/python/report.py "${args[@]}"
