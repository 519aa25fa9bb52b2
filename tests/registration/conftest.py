"""Fixtures for the registration tests."""

from __future__ import annotations

import pytest
from registration_ids import MakeId
from registration_ids import make_id as _make_id


@pytest.fixture
def make_id() -> MakeId:
    """``make_id(region="620102", birth="19850612", seq="123")`` → a valid 18-char number."""
    return _make_id
