"""Reading organisations: the tree and its members, as the schema shows them.

Who sees which field is the schema's policy table and reading needs no action, so these are
the store's reads, exposed unchanged; writes go through :mod:`hub.services.registration`.
"""

from __future__ import annotations

from hub.store.organizations import OrganizationFilter as OrganizationFilter
from hub.store.organizations import count as count
from hub.store.organizations import count_members as count_members
from hub.store.organizations import get_many as get_many
from hub.store.organizations import list_ as list_
from hub.store.organizations import list_children as list_children
from hub.store.organizations import list_members as list_members
from hub.store.organizations import list_memberships as list_memberships
