-- hub_coarse on coordinates: the same cell centre (the rule of 0009), for callers that have
-- x and y rather than a point. A SQL function whose parameter appears twice in its body is
-- not inlined when its argument is costly (hub_coarse(ST_SetSRID(ST_MakePoint(…))) in the
-- grid walk of hub.store.listing): it then runs through the SQL-function executor, planning
-- its body on every query (~0.4 ms). Each parameter here appears once, so it always inlines;
-- hub_coarse itself becomes a call of it with the same results.
CREATE FUNCTION hub_coarse_xy(x float8, y float8) RETURNS geometry
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ST_SetSRID(ST_MakePoint(
    round(((floor(x / 0.01) + 0.5) * 0.01) * 1e10) / 1e10,
    round(((floor(y / 0.01) + 0.5) * 0.01) * 1e10) / 1e10), 4326);

CREATE OR REPLACE FUNCTION hub_coarse(g geometry) RETURNS geometry
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN hub_coarse_xy(ST_X(g), ST_Y(g));
