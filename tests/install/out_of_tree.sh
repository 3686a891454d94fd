#!/usr/bin/env bash
# tests/install: the SDK as a third party sees it. Installs this build into a temporary prefix,
# MOVES the prefix (the installed tree must be relocatable), then against the moved prefix:
#   1. builds examples/custom-security-provider out of tree with find_package(OpenDRT),
#   2. runs drt-conformance from the prefix on the example's plugin,
#   3. compiles and runs a C program with the flags of `pkg-config opendrt`.
# Usage: out_of_tree.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/opendrt-install-XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }

step "install into $work/staged, then move it to $work/moved"
cmake --install "$build" --prefix "$work/staged" >/dev/null
mv "$work/staged" "$work/moved"
prefix=$work/moved
if grep -rqs "$work/staged" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"; then
  echo "FAIL: installed package files still name the install-time prefix" >&2
  exit 1
fi

step "build examples/custom-security-provider against the moved prefix (find_package)"
cmake -S "$source/examples/custom-security-provider" -B "$work/example" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/example" >/dev/null

step "drt-conformance (from the prefix) on the example plugin"
"$prefix/bin/drt-conformance" "$work/example/drt-pinned-keys.so" \
  --config "$source/examples/custom-security-provider/kit.toml" --junit "$work/example-conformance.xml" | tail -n 4

step "a two-node cloud on [::1] whose nodes trust each other's pinned Ed25519 keys"
# An Ed25519 public key from a 32-byte seed, with openssl and coreutils only.
public_key_of() {
  printf '%b' "$(printf '302e020100300506032b657004220420%s' "$1" | sed 's/../\\x&/g')" |
    openssl pkey -inform DER -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n'
}
seed_a=$(openssl rand -hex 32)
seed_b=$(openssl rand -hex 32)
pub_a=$(public_key_of "$seed_a")
pub_b=$(public_key_of "$seed_b")
port_a=$((20000 + RANDOM % 20000))
plugin="$work/example/drt-pinned-keys.so"
write_node() {  # name port seed trusted peers
  cat > "$work/$1.toml" <<TOML
[transport]
scope = "loopback"
port = $2

[security]
plugin = "$plugin"
provider = "pinned-keys"
options = { private_key = "$3", trusted_key = "$4" }

[bootstrap]
provider = "static"
peers = [$5]
TOML
}
write_node a "$port_a" "$seed_a" "$pub_b" ""
write_node b 0 "$seed_b" "$pub_a" "\"[::1]:$port_a\""
"$work/example/pinned-node" "$work/a.toml" "$work/b.toml"
# A node that does not pin a's key must not accept a's proof of ownership.
seed_c=$(openssl rand -hex 32)
write_node c 0 "$seed_c" "$pub_b" "\"[::1]:$port_a\""
if "$work/example/pinned-node" "$work/a.toml" "$work/c.toml" >/dev/null 2>&1; then
  echo "FAIL: a node that does not trust the publisher's key found the record" >&2
  exit 1
fi
echo "untrusted publisher refused: OK"

step "a C program built with pkg-config opendrt"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cat > "$work/hello.c" <<'C'
#include <drt/drt.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  const char* text = DrtErrorMessage(DRT_E_NO_MORE);
  printf("DrtErrorMessage(DRT_E_NO_MORE) = %s\n", text);
  return strlen(text) > 0 ? 0 : 1;
}
C
# shellcheck disable=SC2046  # word splitting of pkg-config output is intended
cc -std=c11 -Wall -Wextra -Werror "$work/hello.c" -o "$work/hello" $(pkg-config --cflags --libs opendrt) \
  -Wl,-rpath,"$(pkg-config --variable=libdir opendrt)"
"$work/hello"
test -f "$(pkg-config --variable=plugin_export_map opendrt)"
echo "PASS: relocated SDK builds and checks an out-of-tree provider"
