#!/usr/bin/env bash
# Keeps the PublicAPI.*.txt files of the shipped libraries in line with their code (see DEVELOPERS.md, "Public API").
#
#   bash tools/update-public-api.sh [LIBRARY...]         rewrite PublicAPI.Unshipped.txt: every public API not in
#                                                       PublicAPI.Shipped.txt, through the analyzer's own code fix (RS0016)
#   bash tools/update-public-api.sh --ship [LIBRARY...]  at a release: fold PublicAPI.Unshipped.txt into PublicAPI.Shipped.txt
#
# LIBRARY is a folder name under src/ (default: all five). Unshipped lines are regenerated, so an API that was added and
# removed again before a release simply disappears; `*REMOVED*` lines (a shipped API taken away on purpose, which the
# build reports as RS0017 until it is written down) are kept. Review the diff: every line is a change users see.
set -euo pipefail
cd "$(dirname "$0")/.."
ship=false
if [ "${1:-}" = "--ship" ]; then ship=true; shift; fi
libraries=("$@")
[ ${#libraries[@]} -gt 0 ] || libraries=(ClipSharp ClipSharp.Index ClipSharp.Postgres ClipSharp.Server ClipSharp.Extensions)
header='#nullable enable'

body() { grep -v -x -F "$header" "$1" | grep -v '^$' || true; }

if $ship; then
  for name in "${libraries[@]}"; do
    shipped="src/$name/PublicAPI.Shipped.txt" unshipped="src/$name/PublicAPI.Unshipped.txt"
    removed=$(body "$unshipped" | sed -n 's/^\*REMOVED\*//p')
    {
      echo "$header"
      { body "$shipped" | grep -v -x -F -f <(printf '%s\n' "$removed") || true; body "$unshipped" | grep -v '^\*REMOVED\*' || true; } | LC_ALL=C sort -u
    } > "$shipped.tmp"
    mv "$shipped.tmp" "$shipped"
    echo "$header" > "$unshipped"
    echo "$shipped: $(body "$shipped" | wc -l) lines"
  done
  exit 0
fi

dotnet restore ClipSharp.slnx >/dev/null
for name in "${libraries[@]}"; do
  unshipped="src/$name/PublicAPI.Unshipped.txt"
  { echo "$header"; body "$unshipped" | grep '^\*REMOVED\*' || true; } > "$unshipped.tmp"
  mv "$unshipped.tmp" "$unshipped"
done
# One project at a time: run on the solution, the code fix fills in only some of the files.
for name in "${libraries[@]}"; do
  dotnet format analyzers "src/$name/$name.csproj" --no-restore --diagnostics RS0016 --severity warn
done
for name in "${libraries[@]}"; do
  unshipped="src/$name/PublicAPI.Unshipped.txt"
  { echo "$header"; body "$unshipped" | LC_ALL=C sort -u; } > "$unshipped.tmp"
  mv "$unshipped.tmp" "$unshipped"
  echo "$unshipped: $(body "$unshipped" | wc -l) lines"
done
