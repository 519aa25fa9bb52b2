"""Stored rows as the subjects the action table (:mod:`hub.auth.actions`) decides on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.auth.actions import ActionSubject, subject

Row = dict[str, Any]


def dispatch_subject(row: Row) -> ActionSubject:
    """A dispatch: its demand's region and its volunteer."""
    return subject(region_code=row["region_code"], volunteer_id=row["volunteer_id"])


def org_subject(region_code: str | None, org_path: str | None,
                volunteer_id: int | None = None) -> ActionSubject:
    """Something a team runs in a region (a team itself, a record, an activity), with the
    volunteer it concerns, if one."""
    return subject(region_code=region_code, org_paths=[org_path], volunteer_id=volunteer_id)


def volunteer_subject(facts: Row) -> ActionSubject:
    """A volunteer, from ``hub.store.volunteers.get_facts`` (region and team paths)."""
    return subject(volunteer_id=facts["id"], region_code=facts["region_code"],
                   org_paths=facts["org_paths"])


def demand_subject(region_code: str, station_org_paths: Iterable[str | None] = (),
                   requester: str | None = None, station_id: int | None = None
                   ) -> ActionSubject:
    """A demand: its region, the teams running its station, who raised it, and its station
    (for the station's staff)."""
    return subject(region_code=region_code, org_paths=station_org_paths, requester=requester,
                   station_id=station_id)


def vetting_subject(row: Row) -> ActionSubject:
    """A demand to review (审核): its region, and its station when a resident raised it (a
    station's staff review residents' demands at their station, never their own station's:
    those the region's dispatcher reviews)."""
    resident = str(row["raised_by"]).startswith("resident:")
    return subject(region_code=row["region_code"],
                   station_id=row["station_id"] if resident else None)
