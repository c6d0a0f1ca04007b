#!/usr/bin/env bash
# The server's resident memory when it is ready, on the first start of a model folder (the optimised-model cache is
# written then) and on the next (the cache is mapped), and the embedding of one text each time (they must be equal).
#
#   bench/server-cold-start.sh MODEL_DIR        (the folder is copied; the copy starts without .clipsharp-cache)
#
# Environment: PORT (default 5393).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: bench/server-cold-start.sh MODEL_DIR}
port=${PORT:-5393}
dotnet build -c Release src/ClipSharp.Cli -v q -nologo > /dev/null
cli=$(ls src/ClipSharp.Cli/bin/Release/net*/ClipSharp.Cli.dll | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$model" "$work/model"
find "$work/model" -name .clipsharp-cache -prune -exec rm -rf {} \;
for start in first second; do
  dotnet "$cli" serve --model "$work/model" --urls "http://127.0.0.1:$port" > "$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    if curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; then break; fi
    if ! kill -0 "$pid" 2> /dev/null; then cat "$work/log"; exit 1; fi
    sleep 0.5
  done
  echo "$start start: ready; RSS $(awk '/^VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status), peak so far (VmHWM) $(awk '/^VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status)"
  curl -s "http://127.0.0.1:$port/v1/embeddings/text" -H 'Content-Type: application/json' -d '{"texts": ["a dog"]}' > "$work/$start.json"
  kill "$pid"; wait "$pid" 2> /dev/null || true
done
cmp -s "$work/first.json" "$work/second.json" && echo "same embedding on both starts" || { echo "embeddings differ"; exit 1; }
grep -m1 "model name" /proc/cpuinfo
