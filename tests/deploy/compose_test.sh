#!/usr/bin/env bash
# deploy/compose.yaml parses and hangs together. With Docker Compose installed, `docker compose
# config` validates it against the Compose specification (with throw-away secret files, which
# it requires to exist); without it, compose_check.py parses the YAML (python3-yaml) and checks
# the structure this deployment relies on. The output says which ran.
set -euo pipefail

source_root=$(cd "$(dirname "$0")/../.." && pwd)
compose=$source_root/deploy/compose.yaml

# Both ways run the structure check; Compose adds the specification.
python3 "$source_root/tests/deploy/compose_check.py" "$compose"

if docker compose version >/dev/null 2>&1; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bw_compose_test.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    cp "$compose" "$tmp/compose.yaml"
    mkdir "$tmp/secrets"
    for s in master_key database_url db_password db_root_password; do
        echo placeholder >"$tmp/secrets/$s"
    done
    echo "compose_test: docker compose config (Docker Compose $(docker compose version --short))"
    docker compose -f "$tmp/compose.yaml" config --quiet
    echo "compose_test: OK (docker compose config and structure check)"
else
    echo "compose_test: docker compose is not installed; checked with a YAML parse only"
    echo "compose_test: OK (YAML parse and structure check)"
fi
