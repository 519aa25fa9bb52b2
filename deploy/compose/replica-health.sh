#!/bin/sh
# Healthy: the standby accepts connections and is in recovery (a standby, not a second
# primary after a mistaken promotion or a fresh initdb).
set -eu
pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" -q
[ "$(psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc 'select pg_is_in_recovery()')" = t ]
