"""Reading divisions (行政区划): lookups and the tree (reading needs no action)."""

from __future__ import annotations

from hub.store.regions import get_many as get_many
from hub.store.regions import list_ as list_
from hub.store.regions import list_children as list_children
