-- A volunteer's home coarsened to the centre of its 0.01° (~1 km) cell, stored and indexed:
-- what callers who may not see exact homes search, sort and see (hub/auth/policy.py decides
-- who; hub.geo.geodesy.coarsen is the same rule in Python).
CREATE FUNCTION hub_coarse(g geometry) RETURNS geometry
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ST_SetSRID(ST_MakePoint(
    round(((floor(ST_X(g) / 0.01) + 0.5) * 0.01)::numeric, 10)::float8,
    round(((floor(ST_Y(g) / 0.01) + 0.5) * 0.01)::numeric, 10)::float8), 4326);

ALTER TABLE volunteer
  ADD COLUMN home_coarse_geom geometry(Point, 4326)
    GENERATED ALWAYS AS (hub_coarse(home_geom)) STORED,
  ADD COLUMN home_coarse geography(Point, 4326)
    GENERATED ALWAYS AS (hub_coarse(home_geom)::geography) STORED;
CREATE INDEX volunteer_home_coarse_gist ON volunteer USING gist (home_coarse);
CREATE INDEX volunteer_home_coarse_geom_gist ON volunteer USING gist (home_coarse_geom);
