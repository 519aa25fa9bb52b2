"""Reading volunteers, as the schema lists and loads them; who sees which field (and where a
home is measured from) is the schema's policy table, passed down as a scope."""

from __future__ import annotations

from hub.store.volunteer_json import Selected as Selected
from hub.store.volunteer_json import node_json as node_json
from hub.store.volunteers import VolunteerFilter as VolunteerFilter
from hub.store.volunteers import count as count
from hub.store.volunteers import get_many as get_many
from hub.store.volunteers import list_ as list_
from hub.store.volunteers import list_json as list_json
