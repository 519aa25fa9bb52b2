-- The matcher's read of reachable volunteers (hub.store.dispatch, list_reachable_volunteers)
-- answered from one index, without the table: at the national rehearsal's 10,000,000
-- volunteers the volunteer_home_gist scan for 广州's week read ~300,000 volunteers in the
-- demands' box, each on its own heap page (the table is in registration order, not in space):
-- 282,000 random page reads, 6.7 s, up to 18 s under load (docs/scaling.md).
--
-- The key is spatially ordered: a 0.05° strip of longitude (~5 km), then latitude; the
-- statement asks for the strips of the demands' box widened by the largest service radius,
-- each strip's latitude range one contiguous run of the index. The index carries exactly the
-- columns the matcher reads, and only active volunteers (the statement's condition), so an
-- index-only scan answers; pages not marked all-visible in the visibility map (autovacuum
-- keeps it) are read from the table as before.
--
-- Cost on writes: a change of any carried column (skills, capacity, availability, insurance,
-- radius, home, status) can no longer be a HOT update; such changes are rare (a volunteer edits
-- their profile) against reads on every dispatch. An index entry must fit a third of a page
-- (~2,700 bytes): skills are at most 8 levels; a week's availability takes ~60 bytes as people
-- give it, but nothing yet bounds how many windows a registration may give (hundreds of
-- disjoint windows would be refused by this index).
CREATE INDEX IF NOT EXISTS volunteer_reach_idx ON volunteer
  ((floor(ST_X(home_geom) * 20)::integer), (ST_Y(home_geom)))
  INCLUDE (id, home_geom, service_radius_m, capacity_per_week, insured_until, skills,
           weekly_availability)
  WHERE status = 'active';
