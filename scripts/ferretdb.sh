#!/usr/bin/env bash
# Builds, starts and stops a FerretDB server (MongoDB wire protocol, SQLite
# backend) on 127.0.0.1 for tests, so that no mongod or Docker is needed.
# Run `scripts/ferretdb.sh help` for the subcommands and environment variables.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly TOOL_DIR="$REPO_ROOT/tools/ferretdb"
readonly STATE_DIR="${FERRETDB_STATE_DIR:-$REPO_ROOT/.ferretdb}"
readonly CACHE_ROOT="${FERRETDB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/task-service}"
readonly START_TIMEOUT_SECONDS="${FERRETDB_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT_SECONDS=10
readonly LOG_LEVEL="${FERRETDB_LOG_LEVEL:-info}"
readonly LOG_FILE="$STATE_DIR/server.log"

usage() {
  cat <<EOF
Usage: $(basename "$0") COMMAND

Commands:
  build   Build the launcher in tools/ferretdb into the cache, unless that
          exact build is cached already, and print the binary path.
  start   Build if needed, start FerretDB in the background with a new
          temporary data directory, wait until it answers a ping, and print
          its URL (mongodb://127.0.0.1:PORT/).
  stop    Stop the server started by 'start' (SIGTERM, then SIGKILL after
          ${STOP_TIMEOUT_SECONDS} s) and delete its data directory.
  url     Print the URL of the running server.

Environment:
  FERRETDB_PORT           TCP port to listen on (default: a free port)
  FERRETDB_START_TIMEOUT  seconds 'start' waits for the ping (default: 60)
  FERRETDB_LOG_LEVEL      debug, info, warn or error (default: info)
  FERRETDB_STATE_DIR      pid, URL and server log (default: REPO/.ferretdb)
  FERRETDB_DATA_DIR       data folder kept across stop and start (default: a
                          temporary folder that 'stop' deletes)
  FERRETDB_CACHE_DIR      build cache (default: \${XDG_CACHE_HOME:-\$HOME/.cache}/task-service)

Only the URL (start, url) or the binary path (build) goes to stdout.
Progress and errors go to stderr.
EOF
}

log() {
  echo "ferretdb.sh: $*" >&2
}

fail() {
  log "error: $*"
  exit 1
}

binary_path() {
  local source_hash
  source_hash="$(cat "$TOOL_DIR/go.mod" "$TOOL_DIR/go.sum" "$TOOL_DIR/main.go" | sha256sum | cut -c1-16)"
  echo "$CACHE_ROOT/ferretdb-$source_hash/ferretdb"
}

cmd_build() {
  local binary
  binary="$(binary_path)"

  if [[ -x "$binary" ]]; then
    log "using cached build $binary"
    echo "$binary"
    return
  fi

  command -v go >/dev/null || fail "go not found in PATH; install Go 1.24 or newer to build the FerretDB launcher"

  local build_dir
  build_dir="$(dirname "$binary")"
  mkdir -p "$build_dir"

  # Building to a temporary name and renaming makes concurrent or interrupted
  # builds safe, because the cached path never contains a partial binary.
  local partial="$build_dir/ferretdb.partial.$$"
  log "building $binary (a first build takes one to two minutes)"
  local started_at=$SECONDS
  if ! (cd "$TOOL_DIR" && go build -mod=readonly -trimpath -o "$partial" .) >&2; then
    rm -f "$partial"
    fail "go build failed in $TOOL_DIR"
  fi
  mv -f "$partial" "$binary"
  log "build finished in $((SECONDS - started_at)) s"

  echo "$binary"
}

# Succeed if the process exists and is not a zombie. 'start' is the parent of
# the server, so until 'start' exits a crashed server stays a zombie, and
# kill -0 alone would report it as running.
is_alive() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 1

  local state
  if [[ -r "/proc/$pid/stat" ]]; then
    # The state letter follows the last ')', because the command name in
    # parentheses may itself contain spaces or parentheses.
    state="$(<"/proc/$pid/stat")" || return 1
    state="${state##*) }"
  else
    state="$(ps -o stat= -p "$pid" 2>/dev/null)" || return 1
  fi
  [[ "$state" != Z* ]]
}

# Print the pid from the state dir if that process is still our launcher.
# A pid file left by a crash may point to a reused pid, so the executable is
# compared with the binary recorded at start.
running_pid() {
  [[ -f "$STATE_DIR/pid" ]] || return 1

  [[ -f "$STATE_DIR/binary" ]] || return 1

  local pid binary
  pid="$(<"$STATE_DIR/pid")"
  binary="$(<"$STATE_DIR/binary")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_alive "$pid" || return 1

  if [[ -e "/proc/$pid/exe" ]]; then
    [[ "$(readlink -f "/proc/$pid/exe")" == "$(readlink -f "$binary")" ]] || return 1
  fi

  echo "$pid"
}

# Remove the state files and the data directory of the last 'start'.
# The server log stays in the state dir for debugging until the next 'start'.
clear_state() {
  if [[ -f "$STATE_DIR/data_dir" ]]; then
    local data_dir
    data_dir="$(<"$STATE_DIR/data_dir")"
    # Only delete directories that 'start' created, in case the state file was edited.
    if [[ "$(basename "$data_dir")" == ferretdb-data.* && -d "$data_dir" ]]; then
      rm -rf -- "$data_dir"
    fi
  fi
  rm -f "$STATE_DIR/pid" "$STATE_DIR/url" "$STATE_DIR/data_dir" "$STATE_DIR/binary"
}

pick_free_port() {
  # Port 0 makes the kernel choose a free port. Another process may take it
  # before FerretDB binds it, so 'start' retries with a new port on failure.
  node -e '
    const server = require("net").createServer();
    server.listen(0, "127.0.0.1", () => {
      console.log(server.address().port);
      server.close();
    });
  '
}

# Send a MongoDB ping with the project's driver, because an accepted TCP
# connection does not prove that the SQLite backend is ready.
ping_with_driver() {
  local url="$1"
  (
    cd "$REPO_ROOT"
    FERRETDB_URL="$url" node -e '
      const { MongoClient } = require("mongodb");
      const client = new MongoClient(process.env.FERRETDB_URL, {
        serverSelectionTimeoutMS: 2000,
        connectTimeoutMS: 2000,
      });
      client.db("admin").command({ ping: 1 })
        .then((reply) => client.close().then(() => process.exit(reply.ok === 1 ? 0 : 1)))
        .catch(() => client.close().finally(() => process.exit(1)));
    ' 2>/dev/null
  )
}

accepts_tcp() {
  local port="$1"
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Wait until the server replies to a ping (or accepts a TCP connection when
# the driver is missing), exits, or the timeout passes.
# Returns 0 when ready, 1 when the server exited, 2 on timeout.
wait_until_ready() {
  local pid="$1" port="$2" url="$3"
  local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  local use_driver=false

  if [[ -d "$REPO_ROOT/node_modules/mongodb" ]]; then
    use_driver=true
  else
    log "node_modules/mongodb is missing, so readiness is a TCP accept check instead of a ping"
  fi

  while ((SECONDS < deadline)); do
    is_alive "$pid" || return 1

    if [[ "$use_driver" == true ]]; then
      ping_with_driver "$url" && return 0
    elif accepts_tcp "$port"; then
      # FerretDB binds the socket, so the kernel accepts connections, a moment
      # before its accept loop starts. The pause covers that gap.
      sleep 1
      is_alive "$pid" || return 1
      return 0
    fi

    sleep 0.5
  done

  return 2
}

show_log_tail() {
  if [[ -s "$LOG_FILE" ]]; then
    log "last lines of $LOG_FILE:"
    tail -n 30 "$LOG_FILE" >&2
  else
    log "$LOG_FILE is empty"
  fi
}

stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0

  local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
  while is_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      log "pid $pid did not exit ${STOP_TIMEOUT_SECONDS} s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
}

cmd_start() {
  [[ "$START_TIMEOUT_SECONDS" =~ ^[1-9][0-9]*$ ]] \
    || fail "invalid FERRETDB_START_TIMEOUT '$START_TIMEOUT_SECONDS': expected a whole number of seconds"

  local fixed_port="${FERRETDB_PORT:-}"
  if [[ -n "$fixed_port" ]]; then
    [[ "$fixed_port" =~ ^[1-9][0-9]*$ ]] && ((fixed_port <= 65535)) \
      || fail "invalid FERRETDB_PORT '$fixed_port': expected a port from 1 to 65535"
  else
    command -v node >/dev/null || fail "node not found in PATH; it picks a free port, or set FERRETDB_PORT"
  fi

  mkdir -p "$STATE_DIR"

  local existing_pid
  if existing_pid="$(running_pid)"; then
    fail "FerretDB is already running (pid $existing_pid, $(<"$STATE_DIR/url")); run '$0 stop' first"
  fi
  clear_state

  local binary
  binary="$(cmd_build)"

  # Only an automatically chosen port can be lost to another process, so only
  # then does 'start' try again with a new port.
  local attempts=3
  [[ -n "$fixed_port" ]] && attempts=1

  local attempt port url data_dir pid status
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    port="$fixed_port"
    if [[ -z "$port" ]]; then
      port="$(pick_free_port)" || fail "failed to pick a free TCP port with node"
    fi
    url="mongodb://127.0.0.1:$port/"
    # A fixed FERRETDB_DATA_DIR survives 'stop', so a restart serves the same data; the
    # temporary folder used otherwise is deleted by 'stop'.
    if [[ -n "${FERRETDB_DATA_DIR:-}" ]]; then
      data_dir="$FERRETDB_DATA_DIR"
      mkdir -p -- "$data_dir"
    else
      data_dir="$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-data.XXXXXX")"
    fi

    log "starting FerretDB on 127.0.0.1:$port with data in $data_dir"
    "$binary" -listen "127.0.0.1:$port" -data "$data_dir" -log-level "$LOG_LEVEL" \
      </dev/null >"$LOG_FILE" 2>&1 &
    pid=$!

    echo "$pid" >"$STATE_DIR/pid"
    echo "$url" >"$STATE_DIR/url"
    echo "$data_dir" >"$STATE_DIR/data_dir"
    echo "$binary" >"$STATE_DIR/binary"

    status=0
    wait_until_ready "$pid" "$port" "$url" || status=$?

    if ((status == 0)); then
      log "FerretDB is ready (pid $pid)"
      echo "$url"
      return
    fi

    if ((status == 2)); then
      log "FerretDB did not answer on $url within ${START_TIMEOUT_SECONDS} s"
      stop_pid "$pid"
      show_log_tail
      clear_state
      exit 1
    fi

    log "FerretDB exited during startup (attempt $attempt of $attempts)"
    show_log_tail
    clear_state
  done

  fail "FerretDB failed to start; see the log lines above"
}

cmd_stop() {
  local pid
  if pid="$(running_pid)"; then
    log "stopping FerretDB (pid $pid)"
    stop_pid "$pid"
  else
    log "no running FerretDB found in $STATE_DIR"
  fi
  clear_state
}

cmd_url() {
  running_pid >/dev/null || fail "FerretDB is not running; start it with '$0 start'"
  cat "$STATE_DIR/url"
}

main() {
  if (($# != 1)); then
    usage >&2
    exit 2
  fi

  case "$1" in
    build) cmd_build ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    help | -h | --help) usage ;;
    *)
      log "error: unknown command '$1'"
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
