#!/usr/bin/env bash
# tests/conformance: the kit on drt-security-wolfssl.so with EC and RSA certificates.
# Usage: security-wolfssl.sh BIN_DIR PLUGIN_DIR REPORT_DIR
exec "$(dirname "$0")/derived-key-plugin.sh" security-wolfssl "$@"
