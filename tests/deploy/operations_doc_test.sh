#!/usr/bin/env bash
# docs/operations.md stays true to the code: its configuration reference is exactly what
# `billwrightd --help` prints from settingSpecs() (scripts/config_reference), and every metric
# name the server registers (a "billwright_..." string under server/) is described in it.
#
#   tests/deploy/operations_doc_test.sh <billwrightd>
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 <billwrightd>" >&2; exit 2; }
source_root=$(cd "$(dirname "$0")/../.." && pwd)
doc=$source_root/docs/operations.md

python3 "$source_root/scripts/config_reference" "$1" --check "$doc"

metrics=$(grep -rhoE '"billwright_[a-z_]+"' "$source_root/server" | tr -d '"' | sort -u)
[ -n "$metrics" ] || { echo "operations_doc_test: FAIL: found no metric under server/" >&2; exit 1; }
missing=""
for m in $metrics; do
    grep -q "\`$m\`" "$doc" || missing+=" $m"
done
if [ -n "$missing" ]; then
    echo "operations_doc_test: FAIL: metrics not described in docs/operations.md:$missing" >&2
    exit 1
fi
echo "operations_doc_test: OK ($(echo "$metrics" | wc -l) metrics described)"
