# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared settings for the project-local RabbitMQ + Redis stack.
# Sourced by deploy/local-stack.sh and deploy/stack/rabbitmqctl; not meant to
# be executed directly.
#
# Port precedence: BURROW_STACK_* env var > ports recorded by the last
# `start` (.stack/ports.env, removed by a full `stop`) > defaults.

BURROW_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
STACK_DIR="$BURROW_REPO_ROOT/.stack"
STACK_LOG_DIR="$STACK_DIR/logs"
STACK_PORTS_FILE="$STACK_DIR/ports.env"

_rec_amqp='' _rec_mgmt='' _rec_prom='' _rec_redis='' _rec_dist='' _rec_node=''
if [[ -f "$STACK_PORTS_FILE" ]]; then
  while IFS='=' read -r _k _v; do
    case "$_k" in
      AMQP_PORT) _rec_amqp="$_v" ;;
      MGMT_PORT) _rec_mgmt="$_v" ;;
      PROM_PORT) _rec_prom="$_v" ;;
      REDIS_PORT) _rec_redis="$_v" ;;
      DIST_PORT) _rec_dist="$_v" ;;
      RABBIT_NODE) _rec_node="$_v" ;;
    esac
  done <"$STACK_PORTS_FILE"
  unset _k _v
fi

AMQP_PORT="${BURROW_STACK_AMQP_PORT:-${_rec_amqp:-5672}}"
MGMT_PORT="${BURROW_STACK_MGMT_PORT:-${_rec_mgmt:-15672}}"
PROM_PORT="${BURROW_STACK_PROM_PORT:-${_rec_prom:-15692}}"
REDIS_PORT="${BURROW_STACK_REDIS_PORT:-${_rec_redis:-6379}}"
# Erlang distribution port of the node (RabbitMQ's own default is AMQP+20000).
if [[ -n "${BURROW_STACK_DIST_PORT:-}" ]]; then
  DIST_PORT="$BURROW_STACK_DIST_PORT"
elif [[ -n "${BURROW_STACK_AMQP_PORT:-}" || -z "$_rec_dist" ]]; then
  DIST_PORT=$((AMQP_PORT + 20000))
else
  DIST_PORT="$_rec_dist"
fi
unset _rec_amqp _rec_mgmt _rec_prom _rec_redis _rec_dist

# The node a previous `start` recorded, so `stop` and `status` find it without the env var.
RABBIT_NODE="${BURROW_STACK_RABBIT_NODE:-${_rec_node:-burrow@localhost}}"
unset _rec_node
RABBIT_DIR="$STACK_DIR/rabbitmq"
RABBIT_LIB_BIN="/usr/lib/rabbitmq/bin"
REDIS_DIR="$STACK_DIR/redis"

# The Erlang cookie is shared between the node and every CLI call through
# $HOME/.erlang.cookie (the standard location, so a plain
# /usr/lib/rabbitmq/bin/rabbitmqctl run by the same user also works).
if [[ -z "${HOME:-}" ]]; then
  HOME="$(getent passwd "$(id -u)" | cut -d: -f6)"
  export HOME
fi
ERLANG_COOKIE_FILE="$HOME/.erlang.cookie"

# Everything RabbitMQ would otherwise read from /etc/rabbitmq or write to
# /var/lib/rabbitmq / /var/log/rabbitmq is redirected into .stack/.
export RABBITMQ_NODENAME="$RABBIT_NODE"
export RABBITMQ_USE_LONGNAME=false
export RABBITMQ_CONF_ENV_FILE="$RABBIT_DIR/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf"
export RABBITMQ_CONFIG_FILES="$RABBIT_DIR/conf.d"
export RABBITMQ_ADVANCED_CONFIG_FILE="$RABBIT_DIR/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia"
export RABBITMQ_LOG_BASE="$STACK_LOG_DIR/rabbitmq"
export RABBITMQ_LOGS="$STACK_LOG_DIR/rabbitmq/$RABBIT_NODE.log"
export RABBITMQ_PID_FILE="$RABBIT_DIR/$RABBIT_NODE.pid"
export RABBITMQ_MOTD_FILE="$RABBIT_DIR/motd"
export RABBITMQ_DIST_PORT="$DIST_PORT"
# Never inherit settings meant for some other broker.
unset RABBITMQ_NODE_PORT RABBITMQ_NODE_IP_ADDRESS RABBITMQ_MNESIA_DIR \
  RABBITMQ_ENABLED_PLUGINS RABBITMQ_QUORUM_DIR RABBITMQ_STREAM_DIR \
  RABBITMQ_FEATURE_FLAGS_FILE RABBITMQ_PLUGINS_EXPAND_DIR RABBITMQ_BASE \
  RABBITMQ_ERLANG_COOKIE RABBITMQ_ALLOW_INPUT 2>/dev/null || true
