#!/usr/bin/env bash
# Makes sure a Python virtual environment with one pinned PyTorch release exists and prints the
# folder of its torch package (what LIBTORCH takes). Used by setup.sh (the test suite's LibTorch)
# and prebuild-all.sh (one environment per prebuilt variant).
#
# Usage: scripts/torch-venv.sh NAME VERSION     e.g. torch-venv.sh torch2.13-cpu 2.13.0
# Env:   CASM_VENV_ROOT  where the environments live (default: .cache/venv in the checkout)
#        PIP_INDEX_URL   the usual pip setting; e.g. https://download.pytorch.org/whl/cpu for the
#                        small CPU wheel where the default index serves a CUDA build
#
# A virtual environment, never the system's python3: a torch installed there would change which
# LibTorch every other build on the machine detects (scripts/find-libtorch.cmake asks python3).
# A second run with the same VERSION only reads a file; it neither imports torch nor calls pip.
set -euo pipefail

if [[ $# -ne 2 ]]; then echo "usage: torch-venv.sh NAME VERSION" >&2; exit 2; fi
name="$1"
version="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CASM_VENV_ROOT:-$root/.cache/venv}/$name"

torch_dir() { compgen -G "$venv/lib/python3*/site-packages/torch" | head -1 || true; }
# torch/version.py holds e.g. __version__ = '2.13.0+cpu': the release without the local label.
installed_version() {
  local dir
  dir="$(torch_dir)"
  [[ -n "$dir" && -f "$dir/version.py" ]] || return 0
  sed -n "s/^__version__ = '\([^'+]*\).*'$/\1/p" "$dir/version.py"
}

if [[ "$(installed_version)" != "$version" ]]; then
  echo "[torch-venv] torch $version is a large download" >&2
  bash "$root/scripts/pip-venv.sh" "$name" "torch==$version" >/dev/null
  if [[ "$(installed_version)" != "$version" ]]; then
    echo "torch-venv: after pip install, $venv does not hold torch $version" >&2
    exit 1
  fi
fi
torch_dir
