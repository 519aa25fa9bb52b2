-- Coarse homes are the centres of a 0.01° grid (hub_coarse), shared by hundreds of
-- volunteers in a city. `near` for callers who see only coarse homes walks the grid's cells
-- nearest first and takes each cell's lowest ids from this index, instead of reading and
-- sorting every volunteer of the nearest cells (hub.store.listing, ListSpec.grid).
CREATE INDEX IF NOT EXISTS volunteer_home_coarse_cell ON volunteer (home_coarse_geom, id);
