-- PostGIS for geography, btree_gist for exclusion constraints mixing ids and ranges,
-- ltree for organisation subtrees.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS ltree;

-- True when a WGS-84 point lies on Earth: longitude -180..180, latitude -90..90.
-- PostGIS silently coerces out-of-range geography input (latitude 91 becomes 89), so every
-- located table stores a checked geometry(Point,4326) `*_geom` that clients write, and derives
-- the geography(Point,4326) column that queries and indexes use from it.
CREATE FUNCTION hub_valid_lonlat(g geometry) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ST_SRID(g) = 4326 AND ST_X(g) BETWEEN -180 AND 180 AND ST_Y(g) BETWEEN -90 AND 90;

-- A range with both ends given and the end after the start.
CREATE FUNCTION hub_proper_range(r tstzrange) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN NOT isempty(r) AND NOT lower_inf(r) AND NOT upper_inf(r) AND upper(r) > lower(r);

-- The keys of a JSON object as a sorted text array (for skills {"health": 3} -> {health}).
CREATE FUNCTION hub_jsonb_keys(j jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(SELECT k FROM jsonb_object_keys(j) AS k ORDER BY k);
