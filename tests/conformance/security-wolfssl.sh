#!/usr/bin/env bash
# tests/conformance: drt-conformance on drt-security-wolfssl.so with real certificates (as
# security-openssl.sh), once with an EC (profile O2) node certificate and once with an RSA
# (profile O1) one; the null provider is checked in both runs. Certificates come from
# `drt cert` in a temporary directory.
# Usage: security-wolfssl.sh BIN_DIR PLUGIN_DIR REPORT_DIR
set -euo pipefail
bin=$1
plugins=$2
reports=$3
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
  echo "== security-wolfssl with a $type node certificate"
  "$bin/drt-conformance" "$plugins/drt-security-wolfssl.so" --config "$work/kit-$type.toml" \
    --junit "$reports/conformance-security-wolfssl-$type.xml"
done
