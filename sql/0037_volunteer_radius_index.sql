-- The matcher bounds its search for reachable volunteers by the largest service radius anyone
-- has (hub.store.dispatch, _LARGEST_RADIUS). Without an index max(service_radius_m) reads the
-- whole volunteer table: 0.7 s at 1,000,000 volunteers, seconds at the national rehearsal's
-- 10,000,000 (bench/bench_national.py), on every dispatch. With it, one index probe.
CREATE INDEX IF NOT EXISTS volunteer_service_radius_idx ON volunteer (service_radius_m);
