#!/usr/bin/env bash
# Fuzzes every operation of the HTTP API with schemathesis, once each as the
# admin, an agent and a customer, against a private embedded stack: the
# Temporal dev server, the worker and the API on free ports of 127.0.0.1, with
# a SQLite store in a temporary directory (removed afterwards). Exits non-zero
# when schemathesis finds a 5xx or an answer that does not match the OpenAPI
# document.
#
#   npm run fuzz                       # ~20 examples per operation and token
#   FUZZ_EXAMPLES=100 npm run fuzz     # more
#   SCHEMATHESIS=/path/to/schemathesis npm run fuzz
#
# schemathesis comes from PyPI: python3 -m venv /tmp/st && /tmp/st/bin/pip install schemathesis
set -euo pipefail
cd "$(dirname "$0")/.."

ST=${SCHEMATHESIS:-$(command -v schemathesis || echo /tmp/st/bin/schemathesis)}
if [ ! -x "$ST" ]; then
  echo "schemathesis not found. Install it: python3 -m venv /tmp/st && /tmp/st/bin/pip install schemathesis (or set SCHEMATHESIS)." >&2
  exit 2
fi
EXAMPLES=${FUZZ_EXAMPLES:-20}
# Each token's run is cut off after this many seconds, whatever happens.
RUN_TIMEOUT=${FUZZ_RUN_TIMEOUT:-150}

npm run -s build

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
secret() { node -e "console.log(require('crypto').randomBytes(24).toString('hex'))"; }
json_field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)[process.argv[1]]))" "$1"; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/convoflow-fuzz.XXXXXX")
API_PORT=$(free_port)
DEV_PORT=$(free_port)
UI_PORT=$(free_port)
ADMIN=$(secret)
API="http://127.0.0.1:$API_PORT"

PID=
cleanup() {
  if [ -n "$PID" ]; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  if [ -z "${FUZZ_KEEP:-}" ]; then rm -rf "$DIR"; else echo "Kept $DIR (stack.log, reports)."; fi
}
trap cleanup EXIT

echo "Starting a private stack in $DIR (API $API, dev server 127.0.0.1:$DEV_PORT)..."
CONVOFLOW_DATA_DIR="$DIR/data" HOST=127.0.0.1 PORT=$API_PORT \
  TEMPORAL_DEV_SERVER_PORT=$DEV_PORT TEMPORAL_UI_PORT=$UI_PORT \
  CONVOFLOW_ADMIN_TOKEN=$ADMIN CONVOFLOW_SECRET=$(secret) \
  CONVOFLOW_START_RATE_PER_MINUTE=off LOG_LEVEL=${LOG_LEVEL:-warn} \
  node dist/src/main.js >"$DIR/stack.log" 2>&1 &
PID=$!

for _ in $(seq 1 240); do
  if curl -sf "$API/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then
    cat "$DIR/stack.log" >&2
    echo "The stack did not start." >&2
    exit 1
  fi
  sleep 0.5
done
curl -sf "$API/readyz" >/dev/null || { echo "The stack is not ready after 2 minutes." >&2; exit 1; }

# Each token is made just before its run, and the admin goes last: the admin's
# run may revoke agent tokens and close conversations, which would leave the
# others fuzzing nothing but 401s and 409s.
status=0
started=$(date +%s)
for who in customer agent admin; do
  case $who in
    customer) token=$(curl -sf -X POST "$API/api/conversations" -H 'Content-Type: application/json' -d '{"customer":{"name":"Fuzz"}}' | json_field customerToken) ;;
    # alice comes from config/demo.json: the admin issues her a token.
    agent) token=$(curl -sf -X POST "$API/api/agents/alice/tokens" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{}' | json_field token) ;;
    admin) token=$ADMIN ;;
  esac
  echo
  echo "=== schemathesis as the $who ($EXAMPLES examples per operation) ==="
  # From the temporary directory: schemathesis keeps its example database in the working directory.
  # Every operation but the event stream: its answer never ends (heartbeats keep it open), so
  # schemathesis would read it until the run's timeout; test/live covers its query checks and scopes.
  # One worker: with two threads, CPython 3.11's ast.parse (hypothesis describing its strategies)
  # can fail with "SystemError: AST constructor recursion depth mismatch" inside schemathesis.
  # Every check but "schema-valid input is accepted": some rules are beyond JSON Schema (a real IANA
  # time zone, opening intervals in order and not overlapping, a URL's host, intake rules naming
  # existing queues), so schema-valid input can still be a 400 naming the field; tests cover each.
  (cd "$DIR" && timeout "$RUN_TIMEOUT" "$ST" run "$API/api/openapi.json" \
    --exclude-path /api/events \
    --header "Authorization: Bearer $token" \
    --checks all \
    --exclude-checks positive_data_acceptance \
    --max-examples "$EXAMPLES" \
    --workers 1 \
    --seed 20251201 \
    --report junit --report-dir "$DIR/report-$who") || status=$?
done
echo
echo "Fuzzed for $(($(date +%s) - started)) s; exit status $status."
if [ "$status" -ne 0 ]; then tail -n 50 "$DIR/stack.log" >&2; fi
exit "$status"
