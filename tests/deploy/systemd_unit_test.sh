#!/usr/bin/env bash
# deploy/billwright.service as installed: deploy/install puts the build into a temporary root,
# the host's own units (targets the unit depends on) are copied beside it, and
#   systemd-analyze verify --root=<tmp> billwright.service
# must print nothing at all: systemd-analyze exits 0 on unknown keys, misplaced keys and bad
# values (it only warns), so any output is a failure. Then the sandbox's exposure, as rated by
# systemd-analyze security, must stay at or below a threshold, and the directives the issue
# requires must be present.
#
#   tests/deploy/systemd_unit_test.sh <build-dir>
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 <build-dir>" >&2; exit 2; }
build=$(cd "$1" && pwd)
source_root=$(cd "$(dirname "$0")/../.." && pwd)
unit=$source_root/deploy/billwright.service
# Exposure runs from 0.0 (locked down) to 10.0 (unprotected); --threshold counts tenths. The
# unit rates 1.2 with systemd 252.
max_exposure_tenths=20

fail() {
    echo "systemd_unit_test: FAIL: $*" >&2
    exit 1
}
command -v systemd-analyze >/dev/null ||
    fail "systemd-analyze is missing (Debian package systemd; scripts/setup installs it)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bw_unit_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

echo "== deploy/install --root into a temporary root"
"$source_root/deploy/install" --build "$build" --root "$root"
for f in usr/bin/billwrightd usr/lib/systemd/system/billwright.service \
    usr/lib/sysusers.d/billwright.conf usr/share/doc/billwright/operations.md \
    etc/billwright/billwright.properties etc/billwright/billwright.env; do
    [ -e "$root/$f" ] || fail "deploy/install did not install $f"
done
compgen -G "$root/usr/lib/billwright/plugins/*.so" >/dev/null || fail "no plugin installed"
[ "$(stat -c %a "$root/etc/billwright/billwright.env")" = 600 ] ||
    fail "etc/billwright/billwright.env is not mode 0600"
# A second run keeps edited configuration and leaves the shipped one beside it.
echo "# edited" >>"$root/etc/billwright/billwright.properties"
"$source_root/deploy/install" --build "$build" --root "$root" >/dev/null
grep -q '^# edited' "$root/etc/billwright/billwright.properties" ||
    fail "a second install overwrote the edited configuration"
[ -f "$root/etc/billwright/billwright.properties.dist" ] || fail "no .dist beside kept config"

# The targets and services the unit's default dependencies name, from the host.
for dir in /usr/lib/systemd/system /lib/systemd/system; do
    [ -d "$dir" ] || continue
    for f in "$dir"/*; do
        [ -e "$root/usr/lib/systemd/system/${f##*/}" ] || cp -a "$f" "$root/usr/lib/systemd/system/"
    done
done

echo "== systemd-analyze verify"
set +e
output=$(systemd-analyze verify --man=no --root="$root" billwright.service 2>&1)
status=$?
set -e
[ -z "$output" ] && [ $status -eq 0 ] ||
    fail "systemd-analyze verify (exit $status) reported:"$'\n'"$output"
echo "systemd-analyze verify: no findings"

echo "== systemd-analyze security (offline, at most $max_exposure_tenths tenths)"
set +e
security=$(systemd-analyze security --offline=yes --root="$root" --threshold="$max_exposure_tenths" \
    billwright.service 2>&1)
status=$?
set -e
echo "$security" | grep 'Overall exposure level' || true
[ $status -eq 0 ] || fail "exposure above $max_exposure_tenths tenths (exit $status):"$'\n'"$security"

echo "== required directives"
for directive in 'User=billwright' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
    'StateDirectory=billwright' 'Restart=on-failure' 'PrivateTmp=yes' 'ProtectHome=yes' \
    'CapabilityBoundingSet=' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'LimitNOFILE=' \
    'ExecStart=/usr/bin/billwrightd --config=/etc/billwright/billwright.properties'; do
    grep -q "^$directive" "$unit" || fail "billwright.service lacks $directive"
done
# The installed configuration must keep the database in the state directory.
grep -q '^database.url = sqlite:/var/lib/billwright/' "$root/etc/billwright/billwright.properties" ||
    fail "billwright.properties does not keep SQLite under /var/lib/billwright"
echo "systemd_unit_test: OK"
