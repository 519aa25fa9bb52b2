"""Reading stations (站点), as the schema lists and loads them (reading needs no action)."""

from __future__ import annotations

from hub.store.stations import StationFilter as StationFilter
from hub.store.stations import count as count
from hub.store.stations import get_many as get_many
from hub.store.stations import list_ as list_
from hub.store.stations import list_nearest as list_nearest
