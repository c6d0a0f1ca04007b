#!/usr/bin/env bash
# Throughput of `clipsharp embed image` and `embed text` on a model folder (default: the micro test model).
# Steady-state rate = (N - 1) / (time for N inputs - time for 1 input), so process start and model load cancel out.
# Usage: bench/embed-throughput.sh [MODEL_DIR] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-../shared/testdata/models/micro/openclip}"
repeats="${2:-4}"
photos=../shared/testdata/photos
dotnet build src/ClipSharp.Cli -c Release -nologo -v quiet >/dev/null
cli=(dotnet src/ClipSharp.Cli/bin/Release/net10.0/ClipSharp.Cli.dll)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

images=()
for _ in $(seq "$repeats"); do for f in "$photos"/*.jpg "$photos"/*.png; do images+=("$f"); done; done
for i in $(seq 512); do echo "a photo of a thing number $i on a sunny day"; done > "$tmp/texts.txt"

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

"${cli[@]}" embed image "${images[0]}" --model "$model" --out "$tmp/warm.npy" 2>/dev/null  # warm the file cache
one_img=$(seconds "${cli[@]}" embed image "${images[0]}" --model "$model" --out "$tmp/a.npy")
all_img=$(seconds "${cli[@]}" embed image "${images[@]}" --model "$model" --out "$tmp/b.npy")
one_txt=$(seconds bash -c "head -1 '$tmp/texts.txt' | ${cli[*]} embed text --model '$model' --out '$tmp/c.npy'")
all_txt=$(seconds bash -c "${cli[*]} embed text --model '$model' --out '$tmp/d.npy' < '$tmp/texts.txt'")
n_img=${#images[@]}
printf 'model: %s\n' "$model"
printf 'embed image: %d images (real photos, 258x201 to 2572x1740) in %.2f s; 1 image in %.2f s -> %.1f images/s steady state\n' \
  "$n_img" "$all_img" "$one_img" "$(echo "($n_img - 1) / ($all_img - $one_img)" | bc -l)"
printf 'embed text:  512 texts in %.2f s; 1 text in %.2f s -> %.0f texts/s steady state\n' \
  "$all_txt" "$one_txt" "$(echo "511 / ($all_txt - $one_txt)" | bc -l)"
