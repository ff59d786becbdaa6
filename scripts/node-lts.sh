#!/usr/bin/env bash
# Installs the current Node.js LTS from the npm registry's `node` package (it ships the
# linux-x64 binary) into .cache/node-lts, and prints the directory holding its `node`, for
# `PATH="$(bash scripts/node-lts.sh):$PATH" npm test`. The machines run Node 20 (past its end
# of life); users run the LTS lines, so CI tests on both. Idempotent.
set -euo pipefail
version="${NODE_LTS_VERSION:-26}"
dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/node-lts"
bin="$dir/node_modules/.bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -p 'process.versions.node.split(".")[0]')" != "$version" ]; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || printf '{"private":true}\n' > "$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --no-save "node@$version" >&2
fi
"$bin/node" --version >&2
echo "$bin"
