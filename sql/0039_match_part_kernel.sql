-- Issue 17.3, the fan-out made cheap (docs/matching.md, "Fanned out"). A part no longer travels
-- as its problem's JSON (a worker compiled it and found its candidate pairs again, and JSONB
-- of 150k volunteers costs seconds to write and read): it travels as its kernel, the engine's
-- arrays for its pairs as an uncompressed .npz (hub/matching/kernel.py), stored out of line
-- and not compressed again (STORAGE EXTERNAL: float arrays hardly compress, pglz only costs
-- time). The options go as JSON beside it. started_at: when a worker took the part (the
-- queue's wait, reported by the coordinator). give_up_at: when the coordinator stops waiting
-- (it then deletes its parts itself); parts past it belong to a coordinator that died, and
-- the sweep step match_parts deletes them. A part's result announces itself on
-- hub_match_part at commit, so the coordinator waits on LISTEN rather than polling.
-- Parts are transient: any left here are dropped.
DELETE FROM match_part;
ALTER TABLE match_part
  DROP COLUMN problem,
  ADD COLUMN kernel bytea NOT NULL,
  ADD COLUMN options jsonb NOT NULL CHECK (jsonb_typeof(options) = 'object'),
  ADD COLUMN started_at timestamptz,
  ADD COLUMN give_up_at timestamptz NOT NULL;
CREATE INDEX match_part_give_up ON match_part (give_up_at);
ALTER TABLE match_part ALTER COLUMN kernel SET STORAGE EXTERNAL;

CREATE FUNCTION hub_match_part_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hub_match_part',
                    json_build_object('fanoutId', NEW.fanout_id, 'part', NEW.part)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER match_part_solved AFTER UPDATE OF result ON match_part
  FOR EACH ROW WHEN (OLD.result IS NULL AND NEW.result IS NOT NULL)
  EXECUTE FUNCTION hub_match_part_notify();
