#!/usr/bin/env bash
# tests/conformance: drt-conformance on a plugin offering the derived-key provider
# (drt-<PLUGIN>.so) with real certificates, once with an EC (profile O2) node certificate and
# once with an RSA (profile O1) one; the null provider is checked in both runs. Certificates come
# from `drt cert` in a temporary directory. security-openssl.sh and security-wolfssl.sh call it.
# Usage: derived-key-plugin.sh PLUGIN BIN_DIR PLUGIN_DIR REPORT_DIR
set -euo pipefail
plugin=$1
bin=$2
plugins=$3
reports=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/opendrt-kit-XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin/drt" cert root --out "$work/root" 2>/dev/null
for type in ec rsa; do
  "$bin/drt" cert node --root "$work/root" --out "$work/$type" --type "$type" >/dev/null 2>&1
  cat > "$work/kit-$type.toml" <<TOML
[providers.derived-key]
root_cert = { file = "root/root.pem" }
local_cert = { file = "$type/node.pem" }
local_key = { file = "$type/node.key" }
TOML
  echo "== $plugin with a $type node certificate"
  "$bin/drt-conformance" "$plugins/drt-$plugin.so" --config "$work/kit-$type.toml" \
    --junit "$reports/conformance-$plugin-$type.xml"
done
