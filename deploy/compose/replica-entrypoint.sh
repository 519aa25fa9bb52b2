#!/bin/sh
# The hot standby's entrypoint. On first start (empty data directory) it copies the primary
# with pg_basebackup -R (which writes standby.signal and primary_conninfo) through the slot
# primary-init.sh made, then hands over to the image's own entrypoint, which finds the data
# directory made and starts the server: a read-only standby streaming from the primary.
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
PRIMARY_HOST=${PRIMARY_HOST:-db}
export PGPASSWORD="$REPLICATION_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -U replicator -d postgres -q; do
    echo "replica: waiting for the primary at $PRIMARY_HOST"; sleep 2
  done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" \
    -X stream -S hub_replica_1 -R --checkpoint=fast --progress
fi
unset PGPASSWORD
exec docker-entrypoint.sh "$@"
