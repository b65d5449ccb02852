#!/usr/bin/env bash
# The lint and format checks: Biome for TypeScript/JavaScript (version pinned in package.json,
# rules in biome.json) and clang-format for the C++ in native/, binding/ and fuzz/ (version pinned
# in scripts/clang-format.sh, style in .clang-format). The suite runs this (test/unit/lint.test.ts),
# so CI fails on code either tool would change.
#   scripts/lint.sh         check; prints what is wrong, exits 1
#   scripts/lint.sh --fix   rewrite the files (formatting and Biome's safe fixes)
set -euo pipefail
cd "$(dirname "$0")/.."
fix=0
case "${1:-}" in
  "") ;;
  --fix) fix=1 ;;
  *) echo "lint.sh: unknown option $1 (only --fix)" >&2; exit 2 ;;
esac
clang_format="$(bash scripts/clang-format.sh)"
mapfile -t cpp < <(find native binding fuzz -type f \( -name '*.cpp' -o -name '*.h' \) | sort)
biome=node_modules/.bin/biome
if [[ $fix -eq 1 ]]; then
  "$biome" check --write .
  "$clang_format" -i "${cpp[@]}"
else
  status=0
  # Warnings fail too: a check that lets them pass lets unused imports and variables pile up.
  "$biome" ci --error-on-warnings . || status=1
  "$clang_format" --dry-run --Werror "${cpp[@]}" || status=1
  exit $status
fi
