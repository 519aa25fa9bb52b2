#!/bin/sh
# Runs once, when the primary's data directory is first made (the postgis image's
# /docker-entrypoint-initdb.d): the role the replica streams as, a physical replication slot
# so the primary keeps the WAL the replica has not received yet, and pg_hba's line that lets
# the role connect for replication. wal_level, max_wal_senders… are on the server's command
# line (docker-compose.yml).
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot('hub_replica_1');
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
