#!/usr/bin/env bash
# A hot-standby streaming replica of a local PostgreSQL, for the read-replica test and bench
# (docs/scaling.md "Read replicas"). It copies the primary with pg_basebackup into a directory of its
# own and starts a standby on another port that follows the primary's WAL as it is written.
#
#   scripts/pg-local/replica.sh start    # prints the replica's URL: PC_READ_REPLICA_URL=...
#   scripts/pg-local/replica.sh status
#   scripts/pg-local/replica.sh stop     # stops the standby and removes its directory
#
# Environment: PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), PRIMARY_USER (postgres), DB (test),
# REPLICA_PORT (5499), REPLICA_DIR (/tmp/pc-replica-$REPLICA_PORT).
#
# What the primary needs, and what this script does about it:
# - wal_level replica (PostgreSQL's default) and max_wal_senders > 0 (default 10): changing either needs
#   a restart of the primary, which this script never does; it stops and says so.
# - a pg_hba.conf line that lets the replication pseudo-database in ("all" does not match it). When it
#   is missing and the file is writable here, the script adds `host replication all <host>/32 trust`
#   and reloads the configuration (pg_reload_conf(): no restart, open sessions keep going); otherwise
#   it prints the line to add.
# - No replication slot: a slot the primary kept for a forgotten standby would hold its WAL forever.
#   A standby left stopped too long falls behind for good; `stop` then `start` makes a fresh copy.
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PRIMARY_USER=${PRIMARY_USER:-postgres}
DB=${DB:-test}
REPLICA_PORT=${REPLICA_PORT:-5499}
REPLICA_DIR=${REPLICA_DIR:-/tmp/pc-replica-$REPLICA_PORT}

bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pg_ctl" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_CTL="$bindir/pg_ctl"
PG_BASEBACKUP="$bindir/pg_basebackup"

psql_primary() { psql -X -q -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -d "$DB" -c "$1"; }

# PostgreSQL refuses to run as root: as root, the standby runs as the primary's OS user (postgres).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

replica_url="postgres://$PRIMARY_USER@127.0.0.1:$REPLICA_PORT/$DB"

allow_replication() {
  local hba
  hba=$(psql_primary "SHOW hba_file")
  if psql_primary "SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND error IS NULL LIMIT 1" | grep -q 1; then
    return
  fi
  local line="host replication all $PRIMARY_HOST/32 trust"
  if [ -w "$hba" ]; then
    echo "adding to $hba: $line (then pg_reload_conf(), no restart)"
    printf '\n# Streaming replicas of this machine (partner-commerce scripts/pg-local/replica.sh)\n%s\n' "$line" >> "$hba"
    psql_primary "SELECT pg_reload_conf()" > /dev/null
    sleep 1
  else
    echo "the primary's $hba lets no replication connection in, and this user cannot add one; add:" >&2
    echo "  $line" >&2
    echo "then run SELECT pg_reload_conf(); on the primary" >&2
    exit 1
  fi
}

check_primary() {
  local level senders
  level=$(psql_primary "SHOW wal_level")
  senders=$(psql_primary "SHOW max_wal_senders")
  if [ "$level" = minimal ] || [ "$senders" = 0 ]; then
    echo "the primary has wal_level=$level, max_wal_senders=$senders: a standby needs wal_level=replica and max_wal_senders>0," >&2
    echo "which take a restart of the primary; this script does not restart it." >&2
    exit 1
  fi
}

running() { [ -f "$REPLICA_DIR/postmaster.pid" ] && as_owner "$PG_CTL" -D "$REPLICA_DIR" status > /dev/null 2>&1; }

start() {
  if running; then
    echo "replica already running in $REPLICA_DIR"
    echo "PC_READ_REPLICA_URL=$replica_url"
    return
  fi
  check_primary
  allow_replication
  rm -rf "$REPLICA_DIR"
  mkdir -p "$REPLICA_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres "$REPLICA_DIR"; fi
  chmod 700 "$REPLICA_DIR"
  echo "copying $PRIMARY_HOST:$PRIMARY_PORT into $REPLICA_DIR (pg_basebackup)"
  # -R writes standby.signal and primary_conninfo: the copy starts as a standby that streams from the primary.
  as_owner "$PG_BASEBACKUP" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -D "$REPLICA_DIR" -R -X stream -c fast
  # Debian keeps postgresql.conf and pg_hba.conf outside the data directory: the copy has neither. The
  # standby's own: its port, and at least the primary's values of the settings a standby must match.
  {
    echo "port = $REPLICA_PORT"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$REPLICA_DIR'"
    echo "hot_standby = on"
    echo "hot_standby_feedback = on"
    for setting in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
      echo "$setting = $(psql_primary "SHOW $setting")"
    done
  } > "$REPLICA_DIR/postgresql.conf"
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$REPLICA_DIR/pg_hba.conf"
  : > "$REPLICA_DIR/pg_ident.conf"
  if [ "$(id -u)" = 0 ]; then chown postgres "$REPLICA_DIR"/postgresql.conf "$REPLICA_DIR"/pg_hba.conf "$REPLICA_DIR"/pg_ident.conf; fi
  as_owner "$PG_CTL" -D "$REPLICA_DIR" -l "$REPLICA_DIR/server.log" -w -t 60 start > /dev/null
  status
  echo "PC_READ_REPLICA_URL=$replica_url"
}

status() {
  if ! running; then echo "no replica running in $REPLICA_DIR"; return 1; fi
  psql -X -At -h 127.0.0.1 -p "$REPLICA_PORT" -U "$PRIMARY_USER" -d "$DB" \
    -c "SELECT 'replica on port $REPLICA_PORT: in recovery=' || pg_is_in_recovery() || ', replayed up to ' || pg_last_wal_replay_lsn()"
  psql_primary "SELECT 'primary sees: ' || coalesce(string_agg(application_name || ' ' || state || ' replay_lag=' || coalesce(replay_lag::text, '0'), '; '), 'no standby')
                  FROM pg_stat_replication"
}

stop() {
  if running; then as_owner "$PG_CTL" -D "$REPLICA_DIR" -m fast -w stop > /dev/null; fi
  rm -rf "$REPLICA_DIR"
  echo "replica on port $REPLICA_PORT stopped, $REPLICA_DIR removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
