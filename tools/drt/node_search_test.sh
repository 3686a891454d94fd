#!/usr/bin/env bash
# ctest script: two processes on [::1]. `drt node --config a.toml` publishes its derived key (a
# [[keys]] entry of its file) in the background; `drt search --config b.toml KEY` (a resolve-only node bootstrapping to a) finds
# it (exit 0), misses a key nobody published (exit 1), and refuses bad input (exit 2); after
# SIGTERM the node unregisters and exits 0. Usage: node_search_test.sh DRT WORKDIR
set -euo pipefail
DRT=$1
WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAIL: $*" >&2
  [[ -f a.log ]] && sed 's/^/  a.log: /' a.log >&2
  exit 1
}

NODE_PID=""
cleanup() {
  if [[ -n $NODE_PID ]] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

"$DRT" cert root --out root 2>/dev/null
KEY=$("$DRT" cert node --root root --out a 2>/dev/null)
echo "hello from a" >a.txt

write_configs() {
  cat >a.toml <<TOML
[transport]
scope = "loopback"
port = $1
[security]
provider = "derived-key"
root_cert = "root/root.pem"
local_cert = "a/node.pem"
local_key = "a/node.key"
[bootstrap]
provider = "static"
peers = []
[[keys]]
key = "@a/node.pem"
data_file = "a.txt"
TOML
  cat >b.toml <<TOML
[transport]
scope = "loopback"
[security]
provider = "derived-key"
root_cert = "root/root.pem"
[bootstrap]
provider = "static"
peers = ["[::1]:$1"]
TOML
}

# Node a on a free port chosen now (a few tries if another process takes it first).
started=no
for attempt in 1 2 3 4 5; do
  PORT=$((20000 + RANDOM % 40000))
  if ss -Hnlu "sport = :$PORT" 2>/dev/null | grep -q .; then continue; fi
  write_configs "$PORT"
  "$DRT" node --config a.toml >a.log 2>&1 &
  NODE_PID=$!
  for _ in $(seq 100); do
    grep -q "running" a.log 2>/dev/null && break
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$NODE_PID" 2>/dev/null && grep -q "running" a.log; then
    started=yes
    break
  fi
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=""
done
[[ $started == yes ]] || fail "drt node did not start"
grep -q "registered $KEY (13 bytes from .*a.txt, a.toml keys\[0\])" a.log || fail "node a did not log its registration"

# Found: exit 0, the key and the data.
out=$("$DRT" search --config b.toml "$KEY" 2>search.err) || fail "search for a's key: exit $? ($(cat search.err))"
[[ $out == "exact  $KEY  hello from a" ]] || fail "search printed '$out'"
out=$("$DRT" search --config b.toml "@a/node.pem" --json 2>/dev/null) || fail "search --json: exit $?"
[[ $out == *'"found":true'* && $out == *"\"key\":\"$KEY\""* ]] || fail "search --json printed '$out'"
"$DRT" search --config b.toml "$KEY" --iterative >/dev/null 2>&1 || fail "iterative search: exit $?"

# Not found: exit 1.
rc=0
"$DRT" search --config b.toml sha256:nobody-published-this >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "search for an unpublished key: exit $rc, want 1"

# Bad input: exit 2 with one line naming the argument.
rc=0
err=$("$DRT" search --config b.toml 1234 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 2 && $err == "drt: KEY: "* ]] || fail "bad key: exit $rc, '$err'"
rc=0
err=$("$DRT" search --config nowhere.toml "$KEY" 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 2 && $err == "drt: --config nowhere.toml: "* ]] || fail "missing config: exit $rc, '$err'"
rc=0
err=$("$DRT" register --config a.toml --key "$KEY" --data nowhere.txt 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 2 && $err == "drt: --data: "* ]] || fail "missing data file: exit $rc, '$err'"

# Bad [[keys]] entries: exit 2 before the node opens, one line naming file, line and field.
bad_keys() {  # $1: the [[keys]] entry's lines; $2: the expected start of the message
  sed '/^\[\[keys\]\]/,$d' a.toml >bad.toml
  printf '[[keys]]\n%s\n' "$1" >>bad.toml
  local rc=0
  err=$("$DRT" node --config bad.toml 2>&1 >/dev/null) || rc=$?
  [[ $rc -eq 2 && $err =~ ^drt:\ bad\.toml:[0-9]+:\  && $err == *"$2"* && $(wc -l <<<"$err") -eq 1 ]] ||
    fail "[[keys]] '$1': exit $rc, '$err', want '$2'"
}
bad_keys 'key = "1234"
data = "x"' "keys[0].key: '1234' is not a key"
bad_keys 'key = "sha256:x"' 'keys[0]: give exactly one of data (text) and data_file (a path)'
bad_keys 'key = "sha256:x"
data = "x"
data_file = "a.txt"' 'keys[0]: give exactly one of data'
bad_keys 'key = "sha256:x"
data_file = "missing.txt"' 'keys[0].data_file: cannot read'
bad_keys 'key = "sha256:x"
data = "x"
colour = "red"' 'keys[0].colour: unknown key'
bad_keys 'data = "x"' 'keys[0].key: required key is missing'
rc=0
sed '/^\[\[keys\]\]/,$d' a.toml >bad.toml
printf 'keys = 3\n' | cat - bad.toml >bad2.toml
err=$("$DRT" node --config bad2.toml 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 2 && $err == *"keys: expected an array of tables"* ]] || fail "keys = 3: exit $rc, '$err'"

# SIGTERM: the node unregisters, closes and exits 0.
kill -TERM "$NODE_PID"
rc=0
wait "$NODE_PID" || rc=$?
NODE_PID=""
[[ $rc -eq 0 ]] || fail "drt node exited $rc after SIGTERM"
grep -q "received SIGTERM; unregistering 1 key" a.log || fail "no unregistering line"
grep -q "closed" a.log || fail "no closed line"
grep -Eq "statistics: sent [1-9][0-9]* datagrams .* received [1-9][0-9]*, dropped [0-9]+" a.log ||
  fail "no statistics line at exit"
echo "ok: node on [::1]:$PORT, key $KEY found from a second process"
