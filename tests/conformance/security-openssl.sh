#!/usr/bin/env bash
# tests/conformance: the kit on drt-security-openssl.so with EC and RSA certificates.
# Usage: security-openssl.sh BIN_DIR PLUGIN_DIR REPORT_DIR
exec "$(dirname "$0")/derived-key-plugin.sh" security-openssl "$@"
