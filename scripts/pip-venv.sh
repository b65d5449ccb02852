#!/usr/bin/env bash
# Installs one pinned pip package into its own virtual environment under .cache/venv (never the
# system's python3), creating the environment first when needed, and prints the environment's path.
# The callers (clang-format.sh, torch-venv.sh, setup.sh) decide whether the install is needed.
# Usage: scripts/pip-venv.sh NAME PACKAGE==VERSION
set -euo pipefail
if [[ $# -ne 2 ]]; then echo "usage: pip-venv.sh NAME PACKAGE==VERSION" >&2; exit 2; fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CASM_VENV_ROOT:-$root/.cache/venv}/$1"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "[venv] creating $venv" >&2
  python3 -m venv "$venv" || {
    echo "pip-venv: python3 -m venv failed; on Debian/Ubuntu: apt install python3-venv" >&2
    exit 1
  }
fi
echo "[venv] pip install $2 into $venv (once)" >&2
"$venv/bin/python" -m pip install --quiet --no-input "$2" >&2
echo "$venv"
