-- hub_coarse in double precision: the same cell centres as hub.geo.geodesy.coarsen (which
-- rounds x * 1e10 the same way), at less than half the cost of numeric arithmetic, which
-- every volunteer insert pays twice (home_coarse_geom and home_coarse).
CREATE OR REPLACE FUNCTION hub_coarse(g geometry) RETURNS geometry
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ST_SetSRID(ST_MakePoint(
    round(((floor(ST_X(g) / 0.01) + 0.5) * 0.01) * 1e10) / 1e10,
    round(((floor(ST_Y(g) / 0.01) + 0.5) * 0.01) * 1e10) / 1e10), 4326);
