#!/usr/bin/env bash
# Prints the path of the clang-format the format check uses, installing it once from pip into
# .cache/venv/clang-format. The version is pinned because clang-format's output changes between
# releases: "formatted" must mean the same on every machine and in CI.
set -euo pipefail
version=23.1.3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CASM_VENV_ROOT:-$root/.cache/venv}/clang-format"
bin="$venv/bin/clang-format"
if [[ ! -x "$bin" || "$("$bin" --version 2>/dev/null)" != *"version $version"* ]]; then
  bash "$root/scripts/pip-venv.sh" clang-format "clang-format==$version" >/dev/null
fi
echo "$bin"
