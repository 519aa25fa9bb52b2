-- Issue 14: what several parts of running the programme share, so each can build on it.
--
-- 1. An activity's safety plan, insurance requirement and required skills (seed 003 and 000:
--    every activity has a safety plan and insured volunteers).
ALTER TABLE activity
  ADD COLUMN safety_plan        text NOT NULL DEFAULT '' CHECK (char_length(safety_plan) <= 5000),
  ADD COLUMN requires_insurance boolean NOT NULL DEFAULT false,
  ADD COLUMN required_skills    skill_codes;

-- 2. Settings a region keeps for the programme in it. A NULL setting is inherited from the
--    nearest ancestor region that sets it (hub_region_setting), else the hub's default.
--    * claims_need_approval: a volunteer's 抢单 waits for a dispatcher's approval (14.4);
--    * record_auto_confirm_hours: a pending service record confirms itself this long after
--      check-out unless the organiser, a dispatcher or the station confirmed it first (14.5).
CREATE TABLE region_setting (
  region_code               text COLLATE "C" PRIMARY KEY REFERENCES region (code),
  claims_need_approval      boolean,
  record_auto_confirm_hours integer CHECK (record_auto_confirm_hours BETWEEN 1 AND 2160),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  updated_by                text NOT NULL DEFAULT 'system'
);

-- The setting `name` (a column of region_setting) in force for `code`: its own, else its
-- nearest ancestor's; NULL when none sets it (the caller applies the hub's default).
CREATE FUNCTION hub_region_setting(code text, name text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  found text;
BEGIN
  IF name NOT IN ('claims_need_approval', 'record_auto_confirm_hours') THEN
    RAISE EXCEPTION 'unknown region setting %', name USING ERRCODE = '22023';
  END IF;
  EXECUTE format(
    'WITH RECURSIVE up(code, depth) AS (
       SELECT $1 COLLATE "C", 0
       UNION ALL
       SELECT r.parent_code, up.depth + 1 FROM up JOIN region r ON r.code = up.code
        WHERE r.parent_code IS NOT NULL)
     SELECT s.%I::text FROM up JOIN region_setting s ON s.region_code = up.code
      WHERE s.%I IS NOT NULL ORDER BY up.depth LIMIT 1', name, name)
    INTO found USING code;
  RETURN found;
END $$;
