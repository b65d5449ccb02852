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
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" || {
      echo "clang-format.sh: python3 -m venv failed; on Debian/Ubuntu: apt install python3-venv" >&2
      exit 1
    }
  fi
  echo "[clang-format] pip install clang-format==$version into $venv (once)" >&2
  "$venv/bin/python" -m pip install --quiet --no-input "clang-format==$version" >&2
fi
echo "$bin"
