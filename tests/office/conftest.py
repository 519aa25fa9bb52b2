"""Fixtures of the issue-16 office tests, shared by name from their world modules."""

from tests.office.scorecard_world import sapi, sc_url, sconn

__all__ = ["sapi", "sc_url", "sconn"]
