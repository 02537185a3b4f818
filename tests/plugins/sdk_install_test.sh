#!/usr/bin/env bash
# The SDK as a third party sees it. Installs the SDK alone from a build tree into a temporary
# prefix, then builds and tests sdk/examples/billing_flat_load as a separate CMake project that
# knows only that prefix, checks the pkg-config files, and leaves the built example module in
# <module-out-dir> for the API tests that load it into the server.
#
#   tests/plugins/sdk_install_test.sh <build-dir> <module-out-dir>
#
# Environment: BW_CMAKE (the cmake to use, default `cmake`), CC / CXX (default cc / c++).
# A build tree with sanitizers (the dev preset) installs an instrumented mock host; its package
# and billwright-mock-host.pc carry -fsanitize=address,undefined for the link, so the example is
# compiled without sanitizers and still links.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 <build-dir> <module-out-dir>" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
out=$2
source_root=$(cd "$(dirname "$0")/../.." && pwd)
cmake=${BW_CMAKE:-cmake}
ctest=$(dirname "$(command -v "$cmake")")/ctest
[ -x "$ctest" ] || ctest=ctest
cc=${CC:-cc}
cxx=${CXX:-c++}
jobs=2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bw_sdk_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() {
    echo "sdk_install_test: FAIL: $*" >&2
    exit 1
}
step() { echo "== $*"; }

# Nothing from the caller's environment may point the example at other headers or packages.
unset CMAKE_PREFIX_PATH CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH LIBRARY_PATH PKG_CONFIG_PATH \
    BillwrightSDK_DIR CMAKE_TOOLCHAIN_FILE

step "install the sdk component of $build into a temporary prefix"
"$cmake" --install "$build" --component sdk --prefix "$prefix"

archive=$(find "$prefix" -name libbillwright_mock_host.a -print -quit)
[ -n "$archive" ] || fail "libbillwright_mock_host.a was not installed"
libdir=$(dirname "$archive")
for f in include/billwright/plugin.h include/billwright/plugin.hpp include/billwright/codec.hpp \
    include/billwright/mock_host.hpp; do
    [ -f "$prefix/$f" ] || fail "$f was not installed"
done
for f in cmake/BillwrightSDK/BillwrightSDKConfig.cmake \
    cmake/BillwrightSDK/BillwrightSDKConfigVersion.cmake \
    cmake/BillwrightSDK/BillwrightSDKTargets.cmake \
    pkgconfig/billwright-sdk.pc pkgconfig/billwright-mock-host.pc; do
    [ -f "$libdir/$f" ] || fail "${libdir#"$prefix"/}/$f was not installed"
done
# The sdk component is the SDK only: no server binary, no first-party plugin.
unexpected=$(find "$prefix" -type f -printf '%P\n' | grep -Ev \
    '^include/billwright/[a-z_]+\.(h|hpp)$|/libbillwright_mock_host\.a$|/cmake/BillwrightSDK/BillwrightSDK[A-Za-z-]*\.cmake$|/pkgconfig/billwright-(sdk|mock-host)\.pc$' ||
    true)
[ -z "$unexpected" ] || fail "the sdk component installed more than the SDK: $unexpected"

step "configure, build and test the example plugin out of tree"
# A copy, so not even a relative path can reach back into the source tree.
cp -R "$source_root/sdk/examples/billing_flat_load" "$tmp/src"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
"$cmake" -S "$tmp/src" -B "$tmp/build" "${generator[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_COMPILE_WARNING_AS_ERROR=ON \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
if grep -qF "$source_root" "$tmp/build/compile_commands.json"; then
    fail "the example's compile commands mention the source tree $source_root"
fi
"$cmake" --build "$tmp/build" --parallel "$jobs"
module=$tmp/build/billing_flat_load.so
[ -f "$module" ] || fail "the example did not produce billing_flat_load.so"
"$ctest" --test-dir "$tmp/build" --output-on-failure --no-tests=error

step "find_package refuses an SDK of another major version"
mkdir -p "$tmp/major2"
cat >"$tmp/major2/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(major2 NONE)
find_package(BillwrightSDK 2.0 QUIET)
if(BillwrightSDK_FOUND)
    message(FATAL_ERROR "BillwrightSDK 2.0 was accepted")
endif()
CMAKE
"$cmake" -S "$tmp/major2" -B "$tmp/major2/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null

step "pkg-config: billwright-sdk compiles a C plugin, billwright-mock-host links a test"
export PKG_CONFIG_PATH=$libdir/pkgconfig
sdk_cflags=$(pkg-config --cflags billwright-sdk)
[ "$(pkg-config --modversion billwright-sdk)" = "$(pkg-config --modversion billwright-mock-host)" ] ||
    fail "the two pkg-config files disagree on the version"
cat >"$tmp/c_plugin.c" <<'C'
#include <billwright/plugin.h>

static bw_status bill(bw_call* call, const bw_host_api* host, const bw_billing_request* request) {
    (void)request;
    return host->emit_amount(call, 100, "c plugin");
}
static const bw_billing_method_api method = {sizeof(bw_billing_method_api), "c_flat",
                                             BW_BILLING_OUTPUT_AMOUNT, bill};
/* Designated initializers: fields a later ABI appends stay zero without a warning. */
static const bw_plugin_descriptor descriptor = {
    .size = sizeof(bw_plugin_descriptor), .magic = BW_PLUGIN_MAGIC, .abi_major = BW_ABI_MAJOR,
    .abi_minor = BW_ABI_MINOR, .kinds = BW_KIND_BILLING_METHOD, .id = "c_plugin",
    .version = "1.0.0", .description = "A C plugin", .billing_method = &method};
BW_PLUGIN_EXPORT const bw_plugin_descriptor* billwright_plugin_descriptor(void) {
    return &descriptor;
}
C
# shellcheck disable=SC2086 # pkg-config output is a list of flags
"$cc" -std=c99 -Wall -Wextra -Wpedantic -Werror -fPIC -fvisibility=hidden $sdk_cflags \
    -shared -o "$tmp/c_plugin.so" "$tmp/c_plugin.c"

cat >"$tmp/pc_test.cpp" <<'CPP'
#include <billwright/codec.hpp>
#include <billwright/mock_host.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    int failures = 0;
    // The installed codec helpers are self-contained.
    const auto json = billwright::codec::parseJson(R"({"b":1,"a":[2.50]})");
    if (!json || billwright::codec::writeJson(*json, billwright::codec::KeyOrder::kSorted) !=
                     R"({"a":[2.50],"b":1})") {
        std::fprintf(stderr, "codec.hpp: sorted JSON differs\n");
        ++failures;
    }
    for (int i = 1; i < argc; ++i) {
        std::string error;
        const bw_plugin_descriptor* plugin = billwright::mock::loadPlugin(argv[i], &error);
        if (plugin == nullptr) {
            std::fprintf(stderr, "%s: %s\n", argv[i], error.c_str());
            ++failures;
            continue;
        }
        billwright::mock::MockHost host;
        host.setPeriod(1767225600, 1767225600 + 86400);
        const auto eq = host.addEquipment({"eqp_1", "S19", 3'250'000, 95'000, 34'210});
        const bool energy = plugin->billing_method->output == BW_BILLING_OUTPUT_ENERGY;
        // An energy method must cover the first hour, an amount method bill one line.
        if (host.bill(plugin) != BW_OK ||
            (energy ? host.hours(eq).at(0).covered_seconds != 3600 : host.amounts().size() != 1)) {
            std::fprintf(stderr, "%s: bill failed: %s\n", argv[i], host.lastError().c_str());
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}
CPP
mock_cflags=$(pkg-config --cflags billwright-mock-host)
mock_libs=$(pkg-config --libs billwright-mock-host)
# shellcheck disable=SC2086
"$cxx" -std=c++20 -Wall -Wextra -Werror $mock_cflags -o "$tmp/pc_test" "$tmp/pc_test.cpp" $mock_libs
"$tmp/pc_test" "$module" "$tmp/c_plugin.so" || fail "the pkg-config-built test failed"

step "copy the example module to $out"
mkdir -p "$out"
# The directory holds the example module only (an older example's module must not linger).
rm -f "$out"/*.so
cp "$module" "$out/billing_flat_load.so"
echo "sdk_install_test: OK"
