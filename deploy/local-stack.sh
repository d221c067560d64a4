#!/usr/bin/env bash
# Project-local RabbitMQ + Redis for burrow development, tests and benchmarks.
#
#   bash deploy/local-stack.sh start|stop|status
#   bash deploy/local-stack.sh restart-rabbitmq|stop-rabbitmq|start-rabbitmq
#   bash deploy/local-stack.sh stop-redis|start-redis
#
# All state (config, data, logs, pid files) lives in <repo>/.stack/.  The
# broker runs as node burrow@localhost with its own mnesia dir, so it never
# touches the data of a system-wide RabbitMQ.  Missing Debian packages are
# installed on first use.
#
# Environment:
#   BURROW_STACK_AMQP_PORT   (5672)   BURROW_STACK_MGMT_PORT  (15672)
#   BURROW_STACK_PROM_PORT   (15692)  BURROW_STACK_REDIS_PORT (6379)
#   BURROW_STACK_DIST_PORT   (AMQP+20000, Erlang distribution)
#   BURROW_STACK_RABBIT_NODE (burrow@localhost)
#   BURROW_STACK_TIMEOUT     (90, seconds to wait for the broker to boot)
#   BURROW_STACK_RABBIT_LOG_LEVEL (info)
#
# Talk to the node with:  deploy/stack/rabbitmqctl list_queues
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=deploy/stack/env.sh
. "$SCRIPT_DIR/stack/env.sh"

PACKAGES=(rabbitmq-server redis-server python3-celery python3-amqp python3-redis chromium)
BOOT_TIMEOUT="${BURROW_STACK_TIMEOUT:-90}"
APT_LOG="$STACK_LOG_DIR/apt.log"
RABBIT_OUT="$STACK_LOG_DIR/rabbitmq-server.out"
RABBIT_CTL_LOG="$STACK_LOG_DIR/rabbitmqctl.log"
REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
REDIS_LOG="$STACK_LOG_DIR/redis.log"

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }

# die MESSAGE [LOGFILE...]: print message plus the tail of each log, exit 1.
die() {
  local msg="$1" f
  shift
  printf 'stack: ERROR: %s\n' "$msg" >&2
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      printf -- '---- last lines of %s ----\n' "$f" >&2
      tail -n 30 "$f" >&2 || true
    fi
  done
  exit 1
}

now_ms() { date +%s%3N; }
elapsed() { # elapsed START_MS -> "1.2s"
  local d=$(($(now_ms) - $1))
  printf '%d.%ds' $((d / 1000)) $((d % 1000 / 100))
}

# ---------------------------------------------------------------- helpers --

tcp_open() { # tcp_open PORT: something accepts connections on localhost:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# port_holder PORT: succeeds (printing a description) if PORT is listened on.
port_holder() {
  local port="$1" out=''
  if command -v ss >/dev/null 2>&1; then
    out="$(ss -Hltnp "sport = :$port" 2>/dev/null || true)"
  fi
  if [[ -n "$out" ]]; then
    local who
    who="$(sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p' <<<"$out" | head -n 1)"
    printf '%s' "${who:-another process}"
    return 0
  fi
  if tcp_open "$port"; then
    printf 'another process'
    return 0
  fi
  return 1
}

require_free_port() { # require_free_port PORT WHAT ENVVAR
  local who
  if who="$(port_holder "$1")"; then
    die "port $1 ($2) is already in use by $who, which is not this project's stack. Stop it or pick another port with $3=<port>."
  fi
}

proc_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }

# find_proc_with_env COMM_PREFIX NAME=VALUE: pid of a live process whose
# command name starts with COMM_PREFIX and whose environment has NAME=VALUE.
find_proc_with_env() {
  local d comm envs nl=$'\n'
  for d in /proc/[0-9]*; do
    comm=''
    { read -r comm <"$d/comm"; } 2>/dev/null || continue
    [[ "$comm" == "$1"* ]] || continue
    [[ "$(awk '{print $3}' "$d/stat" 2>/dev/null)" == Z ]] && continue
    envs="$(tr '\0' '\n' 2>/dev/null <"$d/environ")" || continue
    if [[ "$nl$envs$nl" == *"$nl$2$nl"* ]]; then
      printf '%s' "${d#/proc/}"
      return 0
    fi
  done
  return 1
}

read_pidfile() { # read_pidfile FILE -> pid if the file holds a live pid
  local pid=''
  [[ -s "$1" ]] || return 1
  { read -r pid <"$1"; } 2>/dev/null || true
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

wait_pid_gone() { # wait_pid_gone PID SECONDS
  local pid="$1" deadline=$(($(now_ms) + $2 * 1000))
  while kill -0 "$pid" 2>/dev/null; do
    # A zombie (exited, not yet reaped) counts as gone.
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
    (($(now_ms) < deadline)) || return 1
    sleep 0.1
  done
}

ensure_dirs() {
  mkdir -p "$STACK_DIR" "$STACK_LOG_DIR" "$RABBITMQ_LOG_BASE" "$RABBIT_DIR" \
    "$RABBITMQ_CONFIG_FILES" "$RABBITMQ_MNESIA_BASE" "$REDIS_DIR"
}

take_lock() {
  ensure_dirs
  exec 9>"$STACK_DIR/.lock"
  if ! flock -w 600 9; then
    die "another local-stack.sh is still running (lock $STACK_DIR/.lock)"
  fi
}

record_ports() {
  cat >"$STACK_PORTS_FILE.tmp" <<EOF
AMQP_PORT=$AMQP_PORT
MGMT_PORT=$MGMT_PORT
PROM_PORT=$PROM_PORT
DIST_PORT=$DIST_PORT
REDIS_PORT=$REDIS_PORT
RABBIT_NODE=$RABBIT_NODE
EOF
  mv -f "$STACK_PORTS_FILE.tmp" "$STACK_PORTS_FILE"
}

# ---------------------------------------------------------------- packages --

POLICY_RC_D=/usr/sbin/policy-rc.d
POLICY_RC_D_CREATED=0
cleanup_policy() {
  if ((POLICY_RC_D_CREATED)); then
    ${SUDO:-} rm -f "$POLICY_RC_D" || true
    POLICY_RC_D_CREATED=0
  fi
}

missing_packages() { # prints the names of PACKAGES not installed yet
  local p st
  for p in "${PACKAGES[@]}"; do
    st="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
    [[ "$st" == installed ]] || printf '%s\n' "$p"
  done
}

ensure_packages() {
  local missing=()
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]})) || return 0

  say "installing ${missing[*]} (first run only)"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} manually"
  SUDO=''
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install ${missing[*]}"
    SUDO='sudo -n'
  fi
  # Keep apt from starting the *system* rabbitmq/redis services: they would
  # grab 5672/6379.  Only added if the machine has no policy of its own.
  if [[ ! -e "$POLICY_RC_D" ]]; then
    trap cleanup_policy EXIT
    printf '#!/bin/sh\n# temporary, added by burrow deploy/local-stack.sh\nexit 101\n' |
      $SUDO tee "$POLICY_RC_D" >/dev/null
    $SUDO chmod 755 "$POLICY_RC_D"
    POLICY_RC_D_CREATED=1
  fi
  local t0
  t0="$(now_ms)"
  {
    echo "==== $(date -Is) apt-get update"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      -o DPkg::Lock::Timeout=300 </dev/null
  } >>"$APT_LOG" 2>&1 || die "apt-get update failed" "$APT_LOG"
  {
    echo "==== $(date -Is) apt-get install ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
      "${missing[@]}" </dev/null
  } >>"$APT_LOG" 2>&1 || die "apt-get install ${missing[*]} failed" "$APT_LOG"
  cleanup_policy
  say "installed packages in $(elapsed "$t0")"
}

# ---------------------------------------------------------------- rabbitmq --

ctl() { # run rabbitmqctl against our node, output to the ctl log
  {
    echo "==== $(date -Is) rabbitmqctl $*"
    "$RABBIT_LIB_BIN/rabbitmqctl" -n "$RABBIT_NODE" "$@" </dev/null
  } >>"$RABBIT_CTL_LOG" 2>&1
}

rabbit_pid() { # pid of our running beam, if any
  local pid
  if pid="$(read_pidfile "$RABBITMQ_PID_FILE")" && [[ "$(proc_comm "$pid")" == beam* ]]; then
    printf '%s' "$pid"
    return 0
  fi
  # Pid file lost (e.g. removed by a second, failed node start): find the
  # beam that uses our mnesia dir.
  pid="$(find_proc_with_env beam "RABBITMQ_MNESIA_BASE=$RABBITMQ_MNESIA_BASE")" || return 1
  printf '%s\n' "$pid" >"$RABBITMQ_PID_FILE" 2>/dev/null || true
  printf '%s' "$pid"
}

rabbit_is_up() { rabbit_pid >/dev/null && tcp_open "$AMQP_PORT"; }

ensure_cookie() {
  # CLI and node must agree on the cookie; both use $HOME/.erlang.cookie.
  # Seed a missing one from the Debian package's cookie so that the plain
  # `rabbitmqctl` wrapper (which su's to the rabbitmq user) can reach the
  # node too.
  local sys=/var/lib/rabbitmq/.erlang.cookie
  if [[ ! -s "$ERLANG_COOKIE_FILE" ]]; then
    (
      umask 077
      if [[ -r "$sys" && -s "$sys" ]]; then
        cat "$sys" >"$ERLANG_COOKIE_FILE.tmp"
      else
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$ERLANG_COOKIE_FILE.tmp"
      fi
      mv -f "$ERLANG_COOKIE_FILE.tmp" "$ERLANG_COOKIE_FILE"
    ) || die "cannot create Erlang cookie $ERLANG_COOKIE_FILE"
  fi
  # Erlang refuses a cookie readable by group/others.
  local mode
  mode="$(stat -c %a "$ERLANG_COOKIE_FILE")"
  [[ "$mode" == 600 || "$mode" == 400 ]] || chmod 600 "$ERLANG_COOKIE_FILE"
}

write_rabbit_config() {
  cat >"$RABBITMQ_CONFIG_FILE" <<EOF
# Generated by deploy/local-stack.sh on every start -- edit the script, not this file.
listeners.tcp.default = $AMQP_PORT
management.tcp.port = $MGMT_PORT
prometheus.tcp.port = $PROM_PORT

# guest/guest, only from loopback (localhost / 127.0.0.1 / ::1).
default_user = guest
default_pass = guest
loopback_users.guest = true

# Ack deadline for deliveries (ms); 1800000 = 30 min is RabbitMQ's default.
consumer_timeout = 1800000

# Dev-box friendly resource alarms.
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.relative = 0.6

log.console = false
log.file.level = ${BURROW_STACK_RABBIT_LOG_LEVEL:-info}
EOF
  printf '[rabbitmq_management,rabbitmq_prometheus].\n' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  printf '# Intentionally empty: keeps /etc/rabbitmq/rabbitmq-env.conf out of the project node.\n' \
    >"$RABBITMQ_CONF_ENV_FILE"
  : >"$RABBITMQ_MOTD_FILE"
}

RABBIT_LAUNCHER_PID=''
RABBIT_LAUNCHED=0
RABBIT_T0=''

# rabbit_launch: start the node in the background unless it is already
# running (does not wait).  Sets RABBIT_LAUNCHED=1 if it launched one.
# (Deliberately not used as an `if` condition: that would disable set -e.)
rabbit_launch() {
  RABBIT_LAUNCHED=0
  RABBIT_LAUNCHER_PID=''
  if rabbit_pid >/dev/null; then
    return 0
  fi
  rm -f "$RABBITMQ_PID_FILE"
  require_free_port "$AMQP_PORT" "rabbitmq amqp" BURROW_STACK_AMQP_PORT
  require_free_port "$MGMT_PORT" "rabbitmq management" BURROW_STACK_MGMT_PORT
  require_free_port "$PROM_PORT" "rabbitmq prometheus" BURROW_STACK_PROM_PORT
  require_free_port "$DIST_PORT" "rabbitmq erlang distribution" BURROW_STACK_DIST_PORT
  local short="${RABBIT_NODE%@*}"
  if command -v epmd >/dev/null 2>&1 &&
    epmd -names 2>/dev/null | grep -q "^name $short at port"; then
    die "an Erlang node named $RABBIT_NODE is already running but it is not ours (no live pid in $RABBITMQ_PID_FILE); stop it or set BURROW_STACK_RABBIT_NODE"
  fi
  ensure_cookie
  write_rabbit_config
  record_ports
  RABBIT_T0="$(now_ms)"
  printf '==== %s starting %s\n' "$(date -Is)" "$RABBIT_NODE" >>"$RABBIT_OUT"
  (
    cd "$RABBIT_DIR"
    export BURROW_STACK_DIR="$STACK_DIR"
    exec setsid nohup "$RABBIT_LIB_BIN/rabbitmq-server" >>"$RABBIT_OUT" 2>&1 </dev/null 9>&-
  ) &
  RABBIT_LAUNCHER_PID=$!
  RABBIT_LAUNCHED=1
}

rabbit_fail() {
  local msg="$1" pid
  if pid="$(rabbit_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 15 || kill -KILL "$pid" 2>/dev/null || true
  fi
  if [[ -n "$RABBIT_LAUNCHER_PID" ]]; then
    kill -TERM "$RABBIT_LAUNCHER_PID" 2>/dev/null || true
  fi
  die "$msg" "$RABBIT_OUT" "$RABBITMQ_LOGS"
}

# rabbit_wait: block until the node has booted and the AMQP port accepts.
rabbit_wait() {
  local deadline=$(($(now_ms) + BOOT_TIMEOUT * 1000)) left
  # 1. AMQP listener up (cheap poll; the node registers with epmd before this).
  until rabbit_pid >/dev/null && tcp_open "$AMQP_PORT"; do
    if [[ -n "$RABBIT_LAUNCHER_PID" ]] && ! kill -0 "$RABBIT_LAUNCHER_PID" 2>/dev/null; then
      rabbit_fail "rabbitmq-server exited during boot"
    fi
    (($(now_ms) < deadline)) || rabbit_fail "rabbitmq did not open AMQP port $AMQP_PORT within ${BOOT_TIMEOUT}s"
    sleep 0.2
  done
  # 2. Boot fully complete (plugins included).  await_startup fails at once
  #    while the node is not (yet) reachable, so retry until the deadline.
  until
    left=$(((deadline - $(now_ms)) / 1000))
    ((left < 5)) && left=5
    ctl await_startup --timeout "$left"
  do
    (($(now_ms) < deadline)) || rabbit_fail "rabbitmqctl await_startup did not succeed within ${BOOT_TIMEOUT}s (see $RABBIT_CTL_LOG)"
    sleep 1
  done
  until tcp_open "$MGMT_PORT" && tcp_open "$PROM_PORT"; do
    (($(now_ms) < deadline)) || rabbit_fail "rabbitmq booted but management/prometheus ports $MGMT_PORT/$PROM_PORT are not open"
    sleep 0.2
  done
}

start_rabbit() {
  rabbit_launch
  if ((RABBIT_LAUNCHED)); then
    rabbit_wait
    say "rabbitmq up on $AMQP_PORT (management http://localhost:$MGMT_PORT) in $(elapsed "$RABBIT_T0")"
  elif ! rabbit_is_up; then
    say "rabbitmq is booting, waiting"
    rabbit_wait
    say "rabbitmq up on $AMQP_PORT (management http://localhost:$MGMT_PORT)"
  else
    say "rabbitmq already up on $AMQP_PORT (pid $(rabbit_pid))"
  fi
}

stop_rabbit() {
  local pid t0
  if ! pid="$(rabbit_pid)"; then
    rm -f "$RABBITMQ_PID_FILE"
    say "rabbitmq already stopped"
    return 0
  fi
  t0="$(now_ms)"
  # RabbitMQ 3.10.8 quirk: while the `rabbit` app stops, the management
  # agent's rabbit_event handler calls application:set_env/3, which blocks
  # on the (busy) application controller until a 5 s timeout.  Removing the
  # handler first makes a clean stop take ~2 s instead of ~7.5 s.
  {
    echo "==== $(date -Is) rabbitmqctl eval <remove rabbit_mgmt_db_handler>"
    timeout 30 "$RABBIT_LIB_BIN/rabbitmqctl" -n "$RABBIT_NODE" eval \
      'catch gen_event:delete_handler(rabbit_event, rabbit_mgmt_db_handler, shutdown).' </dev/null
  } >>"$RABBIT_CTL_LOG" 2>&1 || true
  # `stop` returns once the node has shut down and is halting; then wait for
  # the OS process.  Fall back to SIGTERM (also a clean shutdown) if the CLI
  # cannot reach the node.
  if ! {
    echo "==== $(date -Is) rabbitmqctl stop"
    timeout 90 "$RABBIT_LIB_BIN/rabbitmqctl" -n "$RABBIT_NODE" stop </dev/null
  } >>"$RABBIT_CTL_LOG" 2>&1; then
    warn "rabbitmqctl shutdown failed (see $RABBIT_CTL_LOG); sending SIGTERM to $pid"
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if ! wait_pid_gone "$pid" 60; then
    warn "rabbitmq (pid $pid) did not stop in time; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 10 || true
  fi
  rm -f "$RABBITMQ_PID_FILE"
  say "rabbitmq stopped in $(elapsed "$t0")"
}

# ------------------------------------------------------------------- redis --

redis_pid() {
  local pid
  if pid="$(read_pidfile "$REDIS_PIDFILE")" && [[ "$(proc_comm "$pid")" == redis* ]]; then
    printf '%s' "$pid"
    return 0
  fi
  pid="$(find_proc_with_env redis "BURROW_STACK_DIR=$STACK_DIR")" || return 1
  printf '%s\n' "$pid" >"$REDIS_PIDFILE" 2>/dev/null || true
  printf '%s' "$pid"
}

redis_ping() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null </dev/null)" == PONG ]]
}

redis_is_up() { redis_pid >/dev/null && redis_ping; }

write_redis_config() {
  cat >"$REDIS_CONF" <<EOF
# Generated by deploy/local-stack.sh on every start -- edit the script, not this file.
port $REDIS_PORT
bind 127.0.0.1 -::1
protected-mode yes
daemonize yes
pidfile "$REDIS_PIDFILE"
logfile "$REDIS_LOG"
loglevel notice
dir "$REDIS_DIR"
# Results and completion records must survive a Redis restart (the failure tests restart it):
# append-only file, fsync every second; never evict keys (a lost completion record means a rerun).
save ""
appendonly yes
appendfsync everysec
maxmemory-policy noeviction
EOF
}

start_redis() {
  local pid t0 deadline
  if pid="$(redis_pid)"; then
    if redis_ping; then
      say "redis already up on $REDIS_PORT (pid $pid)"
      return 0
    fi
  else
    rm -f "$REDIS_PIDFILE"
    require_free_port "$REDIS_PORT" "redis" BURROW_STACK_REDIS_PORT
    write_redis_config
    record_ports
    t0="$(now_ms)"
    # BURROW_STACK_DIR marks the process as ours (see redis_pid).
    BURROW_STACK_DIR="$STACK_DIR" redis-server "$REDIS_CONF" \
      >>"$STACK_LOG_DIR/redis-server.out" 2>&1 </dev/null 9>&- ||
      die "redis-server failed to start" "$STACK_LOG_DIR/redis-server.out" "$REDIS_LOG"
  fi
  deadline=$(($(now_ms) + 30000))
  until redis_is_up; do
    (($(now_ms) < deadline)) || die "redis did not answer PING on port $REDIS_PORT within 30s" "$REDIS_LOG"
    sleep 0.1
  done
  say "redis up on $REDIS_PORT${t0:+ in $(elapsed "$t0")}"
}

stop_redis() {
  local pid
  if ! pid="$(redis_pid)"; then
    rm -f "$REDIS_PIDFILE"
    say "redis already stopped"
    return 0
  fi
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 </dev/null || true
  if ! wait_pid_gone "$pid" 20; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$REDIS_PIDFILE"
  say "redis stopped"
}

# ------------------------------------------------------------------ status --

status() {
  local rc=0 pid
  if pid="$(rabbit_pid)" && tcp_open "$AMQP_PORT"; then
    printf 'rabbitmq: up    amqp=%s mgmt=%s prom=%s pid=%s node=%s\n' \
      "$AMQP_PORT" "$MGMT_PORT" "$PROM_PORT" "$pid" "$RABBIT_NODE"
  elif [[ -n "${pid:-}" ]]; then
    printf 'rabbitmq: down  amqp=%s pid=%s (process alive, port closed: booting or stuck)\n' "$AMQP_PORT" "$pid"
    rc=1
  else
    printf 'rabbitmq: down  amqp=%s pid=-\n' "$AMQP_PORT"
    rc=1
  fi
  pid=''
  if pid="$(redis_pid)" && redis_ping; then
    printf 'redis:    up    port=%s pid=%s\n' "$REDIS_PORT" "$pid"
  elif [[ -n "${pid:-}" ]]; then
    printf 'redis:    down  port=%s pid=%s (process alive, not answering PING)\n' "$REDIS_PORT" "$pid"
    rc=1
  else
    printf 'redis:    down  port=%s pid=-\n' "$REDIS_PORT"
    rc=1
  fi
  return "$rc"
}

# -------------------------------------------------------------------- main --

require_tools() {
  [[ -x "$RABBIT_LIB_BIN/rabbitmq-server" ]] || die "$RABBIT_LIB_BIN/rabbitmq-server not found (is rabbitmq-server installed?)"
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found"
  command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found"
}

usage() {
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd="${1:-}"
case "$cmd" in
  start)
    if rabbit_is_up && redis_is_up && [[ -z "$(missing_packages)" ]]; then
      status
      exit 0
    fi
    take_lock
    ensure_packages
    require_tools
    # Launch the broker first (slow), bring Redis up while it boots.
    rabbit_launch
    start_redis
    if ((RABBIT_LAUNCHED)); then
      rabbit_wait
      say "rabbitmq up on $AMQP_PORT (management http://localhost:$MGMT_PORT) in $(elapsed "$RABBIT_T0")"
    else
      start_rabbit
    fi
    ;;
  stop)
    take_lock
    stop_redis
    stop_rabbit
    # Forget ports chosen via BURROW_STACK_*_PORT; the next start uses
    # whatever the environment / defaults say.
    rm -f "$STACK_PORTS_FILE"
    ;;
  status)
    status
    ;;
  start-rabbitmq)
    take_lock
    ensure_packages
    require_tools
    start_rabbit
    ;;
  stop-rabbitmq)
    take_lock
    stop_rabbit
    ;;
  restart-rabbitmq)
    take_lock
    ensure_packages
    require_tools
    stop_rabbit
    start_rabbit
    ;;
  start-redis)
    take_lock
    ensure_packages
    require_tools
    start_redis
    ;;
  stop-redis)
    take_lock
    stop_redis
    ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
