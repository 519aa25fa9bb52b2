-- A volunteer's skill codes (volunteer.skill_codes, generated from skills) in code-point
-- order, whatever the database's collation: the order the API lists skills in (hub/schema/
-- volunteers.py sorts them so), which lets PostgreSQL write a page's skills straight from the
-- array (hub.store.volunteers.node_json) with no sort per row. On a database whose collation
-- is not C the stored arrays are computed again; on C (the embedded cluster) they are already
-- in this order.
CREATE OR REPLACE FUNCTION hub_jsonb_keys(j jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(SELECT k FROM jsonb_object_keys(j) AS k ORDER BY k COLLATE "C");

DO $$
BEGIN
  IF (SELECT datcollate FROM pg_database WHERE datname = current_database())
       NOT IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8') THEN
    UPDATE volunteer SET skills = skills WHERE cardinality(skill_codes) > 1;
  END IF;
END $$;
