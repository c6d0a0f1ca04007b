#!/usr/bin/env bash
# Issue 12's burst against a real `clipsharp serve` process: 48 POST /v1/classify requests, 24 at a time, each a
# ~1 MB 7000x7000 JPEG. Prints the status counts, the server's decode-memory metrics and its peak RSS (VmHWM),
# and fails unless every answer was 200 or 503 (with Retry-After) and the server is still alive.
#
#   bench/server-burst.sh MODEL_DIR [serve options, e.g. --decode-memory-mb 256]
#
# Environment: PORT (default 5391), REQUESTS (48), CONCURRENCY (24), SIDE (7000).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: bench/server-burst.sh MODEL_DIR [serve options]}
shift
port=${PORT:-5391}
dotnet build -c Release src/ClipSharp.Cli -v q -nologo > /dev/null
dotnet build -c Release bench/ClipSharp.Server.Load -v q -nologo > /dev/null
cli=$(ls src/ClipSharp.Cli/bin/Release/net*/ClipSharp.Cli.dll | head -1)
load=$(ls bench/ClipSharp.Server.Load/bin/Release/net*/ClipSharp.Server.Load.dll | head -1)
log=$(mktemp)
dotnet "$cli" serve --model "$model" --urls "http://127.0.0.1:$port" "$@" > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; then break; fi
  if ! kill -0 "$pid" 2> /dev/null; then cat "$log"; echo "server exited before it was ready"; exit 1; fi
  sleep 0.5
done
echo "server pid $pid ready; RSS before the burst: $(awk '/^VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status)"
status=0
dotnet "$load" burst --url "http://127.0.0.1:$port" --requests "${REQUESTS:-48}" --concurrency "${CONCURRENCY:-24}" --side "${SIDE:-7000}" || status=$?
if kill -0 "$pid" 2> /dev/null; then
  echo "server peak RSS (VmHWM): $(awk '/^VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status); RSS now $(awk '/^VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status)"
else
  echo "server process died"; tail -20 "$log"; status=1
fi
grep -m1 "model name" /proc/cpuinfo
exit $status
