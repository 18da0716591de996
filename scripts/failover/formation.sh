#!/usr/bin/env bash
# A pg_auto_failover formation on this machine (docs/failover.md): a monitor, a primary and a secondary,
# each a PostgreSQL 15 instance with its own port and data directory, each run by its own `pg_autoctl`
# keeper in a session of its own (so that `kill-primary` can take a whole node down at once, as a
# machine failing would).
#
#   scripts/failover/formation.sh start          create (first time) or start the formation; prints its URI
#   scripts/failover/formation.sh uri            the formation's multi-host URI (target_session_attrs=read-write),
#                                                with the nodes' user added
#   scripts/failover/formation.sh status         the monitor's view of the nodes
#   scripts/failover/formation.sh primary        the name of the node that is primary now
#   scripts/failover/formation.sh wait-healthy   wait until there is a primary and a secondary again
#   scripts/failover/formation.sh failover       a controlled switchover (pg_autoctl perform failover)
#   scripts/failover/formation.sh stop-primary   stop the primary node (its keeper and PostgreSQL, cleanly)
#   scripts/failover/formation.sh kill-primary   kill -9 every process of the primary node
#   scripts/failover/formation.sh start-node N   start node N (node1, node2) again; it rejoins as a secondary
#   scripts/failover/formation.sh stop           stop every node and the monitor
#   scripts/failover/formation.sh destroy        stop, then delete the directory
#
# Settings: PC_FAILOVER_DIR (default /tmp/pc-failover), PC_FAILOVER_PORT (the monitor's port, default
# 6010; the nodes take the next two), PC_FAILOVER_DB (default partner_commerce). Not port 5432: CI's
# PostgreSQL lives there. PostgreSQL refuses to run as root, so as root everything runs as `postgres`.
set -euo pipefail

DIR=${PC_FAILOVER_DIR:-/tmp/pc-failover}
PORT=${PC_FAILOVER_PORT:-6010}
DB=${PC_FAILOVER_DB:-partner_commerce}
PGBIN=${PC_FAILOVER_PGBIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_ctl)")}
NODES=(node1 node2)
# pg_autoctl looks for pg_ctl along PATH and complains of every directory it may not read.
SYSTEM_PATH=/usr/local/bin:/usr/bin:/bin

if [ "$(id -u)" = 0 ]; then RUN_AS=(runuser -u postgres --); OWNER=postgres; else RUN_AS=(); OWNER=$(id -un); fi

# pg_autoctl keeps its configuration and state under XDG directories: keep them inside $DIR too.
autoctl() {
  "${RUN_AS[@]}" env PATH="$PGBIN:$SYSTEM_PATH" XDG_CONFIG_HOME="$DIR/xdg/config" XDG_DATA_HOME="$DIR/xdg/data" \
    XDG_RUNTIME_DIR="$DIR/xdg/run" pg_autoctl "$@"
}

node_port() { case $1 in monitor) echo "$PORT" ;; node1) echo $((PORT + 1)) ;; node2) echo $((PORT + 2)) ;; *) echo "unknown node $1" >&2; exit 2 ;; esac; }
monitor_uri() { echo "postgres://autoctl_node@127.0.0.1:$PORT/pg_auto_failover?sslmode=disable"; }
log() { echo "formation: $*" >&2; }

# Runs `pg_autoctl run` (or a create command with --run) for a node in a session of its own, in the background.
spawn() {
  local name=$1; shift
  setsid "${RUN_AS[@]}" env PATH="$PGBIN:$SYSTEM_PATH" XDG_CONFIG_HOME="$DIR/xdg/config" XDG_DATA_HOME="$DIR/xdg/data" \
    XDG_RUNTIME_DIR="$DIR/xdg/run" pg_autoctl "$@" >>"$DIR/$name.log" 2>&1 < /dev/null &
  echo $! >"$DIR/$name.session"
}

running() { [ -f "$DIR/$1.session" ] && kill -0 "$(cat "$DIR/$1.session")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "timed out after ${seconds}s waiting for $what"; return 1
}

state_json() { autoctl show state --monitor "$(monitor_uri)" --json 2>/dev/null; }

# Prints "name state" for each node, as the monitor's state now stands (reported and assigned agree).
node_states() {
  state_json | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const n of JSON.parse(s)) console.log(n.nodename, n.current_group_state === n.assigned_group_state ? n.current_group_state : "moving");
    });'
}

primary() { node_states | awk '$2 == "primary" || $2 == "wait_primary" || $2 == "single" { print $1; exit }'; }
# The monitor's states can be those of before a stop: the node it calls primary must also take writes.
takes_writes() {
  [ "$("${RUN_AS[@]}" "$PGBIN/psql" -h 127.0.0.1 -p "$(node_port "$1")" -d "$DB" -Atc 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ]
}
healthy() {
  local states p; states=$(node_states) && grep -q ' primary$' <<<"$states" && grep -q ' secondary$' <<<"$states" &&
    p=$(awk '$2 == "primary" { print $1 }' <<<"$states") && takes_writes "$p"
}
has_primary() { local p; p=$(primary) && [ -n "$p" ] && takes_writes "$p"; }

start_monitor() {
  if [ ! -d "$DIR/monitor" ]; then
    log "creating the monitor on port $PORT"
    autoctl create monitor --pgdata "$DIR/monitor" --pgport "$PORT" --hostname 127.0.0.1 --auth trust --no-ssl >>"$DIR/monitor.log" 2>&1
  fi
  running monitor || spawn monitor run --pgdata "$DIR/monitor"
  wait_for 60 "the monitor" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"
  wait_for 30 "the monitor's answers" state_json
}

start_node() {
  local name=$1 port; port=$(node_port "$1")
  if running "$name"; then return 0; fi
  if [ -d "$DIR/$name" ]; then
    spawn "$name" run --pgdata "$DIR/$name"
  else
    log "creating $name on port $port"
    spawn "$name" create postgres --pgdata "$DIR/$name" --pgport "$port" --hostname 127.0.0.1 --name "$name" \
      --dbname "$DB" --auth trust --no-ssl --monitor "$(monitor_uri)" --run
  fi
}

# pg_autoctl's URI names no user; the nodes' superuser is the one they run as.
uri() {
  local u; u=$(autoctl show uri --monitor "$(monitor_uri)" --formation default)
  echo "${u/#postgres:\/\//postgres://$OWNER@}"
}

cmd=${1:-}
case $cmd in
  start)
    mkdir -p "$DIR/xdg/run" && chmod 700 "$DIR/xdg/run" && chown -R "$OWNER" "$DIR"
    start_monitor
    start_node node1
    wait_for 120 "a primary" has_primary
    start_node node2
    wait_for 180 "a primary and a secondary" healthy
    # The monitor may still change its mind about nodes that were stopped: healthy three times running.
    for _ in 1 2 3; do sleep 2; wait_for 180 "a primary and a secondary" healthy; done
    uri
    ;;
  uri) uri ;;
  status) autoctl show state --monitor "$(monitor_uri)" ;;
  primary) primary ;;
  wait-healthy) wait_for "${2:-180}" "a primary and a secondary" healthy ;;
  wait-primary) wait_for "${2:-180}" "a primary" has_primary ;;
  failover) autoctl perform failover --monitor "$(monitor_uri)" --wait 120 ;;
  stop-primary)
    p=$(primary); [ -n "$p" ] || { log "no primary"; exit 1; }
    log "stopping $p"; autoctl stop --pgdata "$DIR/$p"
    wait_for 60 "$p to stop" bash -c "! kill -0 $(cat "$DIR/$p.session") 2>/dev/null"
    echo "$p"
    ;;
  kill-primary)
    p=$(primary); [ -n "$p" ] || { log "no primary"; exit 1; }
    log "kill -9 of every process of $p"; kill -9 -- "-$(cat "$DIR/$p.session")"
    # The postmaster's children notice it is gone and exit; wait until the port is free.
    wait_for 60 "$p's PostgreSQL to be gone" bash -c "! $PGBIN/pg_isready -q -h 127.0.0.1 -p $(node_port "$p")"
    echo "$p"
    ;;
  start-node) start_node "${2:?which node: node1 or node2}" ;;
  stop)
    # The secondary first: with no standby left the monitor has nothing to promote when the primary
    # stops, so the formation comes back as it was (no failover at the next start).
    p=$(primary 2>/dev/null || true)
    order=()
    for n in "${NODES[@]}"; do [ "$n" = "$p" ] || order+=("$n"); done
    [ -n "$p" ] && order+=("$p")
    for n in "${order[@]}" monitor; do
      running "$n" || continue
      autoctl stop --pgdata "$DIR/$n" >/dev/null 2>&1 || kill -- "-$(cat "$DIR/$n.session")" 2>/dev/null || true
      wait_for 60 "$n to stop" bash -c "! kill -0 $(cat "$DIR/$n.session") 2>/dev/null" || true
    done
    ;;
  destroy) "$0" stop; rm -rf "$DIR" ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
esac
