"""Every field that returns a page (a …Connection) is costed as a page: without `first`, a
default page of rows, whatever the field is called (hub.schema.limits)."""

from __future__ import annotations

from graphql import parse

from hub.schema import schema
from hub.schema.limits import MAX_COST, _page_fields, operation_cost


def _cost(document: str) -> int:
    return operation_cost(schema()._schema, parse(document), None, None)


def test_every_page_field_costs_a_default_page_without_first() -> None:
    pages = _page_fields(schema()._schema)
    assert {"signUps", "activitySignUps", "myDemands", "demandsToApprove", "dispatches",
            "stations", "activities"} <= pages
    page = _cost("{ stations { edges { node { __typename } } } }")
    assert page > 20  # a default page of rows, not one
    for name in sorted(pages):
        assert _cost(f"{{ {name} {{ edges {{ node {{ __typename }} }} }} }}") == page, name


def test_an_activitys_sign_ups_cost_a_page_for_each_activity() -> None:
    one = _cost("{ activities(first: 10) { edges { node { title } } } }")
    nested = _cost("{ activities(first: 10) { edges { node { title signUps { edges { node { "
                   "status volunteer { name } } } } } } } }")
    assert nested >= one + 10 * 20 * 3
    wide = ("{ activities(first: 100) { edges { node { signUps(first: 100) { edges { node { "
            "volunteer { name memberships { organization { name } } } } } } } } } }")
    assert _cost(wide) > MAX_COST  # refused before it runs
