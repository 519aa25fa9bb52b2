-- Issue 17.3: a dispatch's matching fanned out over the job queue (docs/matching.md, "Fanned
-- out"). One row per part of one fan-out: the part's problem document (hub.matching's JSON, its
-- volunteers and demands in no other part) and the whole problem's priority quantum, written
-- by the coordinator with the parts' jobs; the result document written by the worker that
-- solved it (hub.match_part). The coordinator waits for every result, assembles one plan and
-- deletes the fan-out's rows; rows older than a day are left-overs of a coordinator that died.
CREATE TABLE match_part (
  fanout_id    uuid NOT NULL,
  part         integer NOT NULL CHECK (part >= 0),
  parts        integer NOT NULL CHECK (parts > part),
  regions      text[] NOT NULL DEFAULT '{}',
  pairs        integer NOT NULL CHECK (pairs >= 0),
  quantum      double precision NOT NULL CHECK (quantum > 0),
  problem      jsonb NOT NULL CHECK (jsonb_typeof(problem) = 'object'),
  result       jsonb CHECK (result IS NULL OR jsonb_typeof(result) = 'object'),
  solved_by    text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  PRIMARY KEY (fanout_id, part),
  CHECK ((result IS NULL) = (finished_at IS NULL))
);
CREATE INDEX match_part_created ON match_part (created_at);
