"""Registration tells a stranger nothing about who is registered, and limits their attempts."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from hub.auth import ANONYMOUS, Caller, Role
from hub.pii import PiiCipher
from hub.schema import schema
from hub.schema.context import Context
from hub.services import ratelimit
from hub.services import registration as service
from hub.services.registration_values import id_hash
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import acting_as_app, as_app
from tests.registration_db.conftest import mobile, person_id
from tests.seeded import Gql

REGISTER = """mutation($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) {
  volunteer { id } errors { field code } } }"""


def person(sequence: int, **extra: Any) -> dict[str, Any]:
    return {"name": "张伟", "idNumber": person_id(6000 + sequence),
            "mobile": mobile(6000 + sequence), "education": "本科", "regionCode": "620102",
            **extra}


async def _register(gql: Gql, data: dict[str, Any], *, caller: Caller = ANONYMOUS,
                    client: str = "198.51.100.7", per_hour: int = 20) -> Any:
    settings = replace(gql.settings, register_attempts_per_hour=per_hour)
    context = Context(db=gql.db, caller=caller, settings=settings, cipher=gql.cipher,
                      client=client)
    async with acting_as_app(gql.db.conn):
        return await schema().execute(REGISTER, variable_values={"input": data},
                                      context_value=context)


@pytest.mark.parametrize("caller", [ANONYMOUS, Caller(Role.PARTNER, "p-1"),
                                    Caller(Role.VOLUNTEER, "Vm9sdW50ZWVyOjE="),
                                    Caller(Role.RESIDENT, "QWNjb3VudDox"),  # signed in (14.1)
                                    Caller(Role.STATION_STAFF, "QWNjb3VudDoy")], ids=str)
async def test_a_taken_id_number_gets_the_same_answer_as_a_new_one(gql: Gql,
                                                                   caller: Caller) -> None:
    first = await _register(gql, person(1), caller=caller)
    again = await _register(gql, person(1, name="王芳", mobile=mobile(6999)), caller=caller)
    assert first.errors is None and again.errors is None
    assert first.data == again.data == {"registerVolunteer": {"volunteer": None, "errors": []}}
    hashed = id_hash(gql.cipher, person_id(6001).upper())
    [holder] = await gql.db.fetch("SELECT id, real_name FROM volunteer WHERE id_number_hash = "
                                  "%(h)s", {"h": hashed})
    assert holder["real_name"] == "张伟"  # the second attempt changed nothing
    notices = await gql.db.fetch("SELECT kind FROM owner_notice WHERE volunteer_id = %(v)s",
                                 {"v": holder["id"]})
    assert [n["kind"] for n in notices] == ["registration_attempt"]  # the holder is told


async def test_staff_are_told_of_a_duplicate(gql: Gql) -> None:
    await _register(gql, person(2))
    admin = await _register(gql, person(2), caller=Caller(Role.ADMIN, "admin-1"))
    assert admin.data["registerVolunteer"]["errors"] == [{"field": "idNumber",
                                                          "code": "DUPLICATE"}]


async def test_attempts_are_limited_per_client(gql: Gql) -> None:
    here, there = "203.0.113.9", "203.0.113.10"
    for n in range(3):  # refused attempts count too
        result = await _register(gql, person(10 + n, mobile="12345"), client=here, per_hour=3)
        assert result.data["registerVolunteer"]["errors"][0]["code"] == "INVALID"
    limited = await _register(gql, person(20), client=here, per_hour=3)
    [error] = limited.errors or []
    assert error.extensions is not None and error.extensions["code"] == "RATE_LIMITED"
    assert 0 < error.extensions["retryAfterS"] <= 3600 and error.extensions["messageZh"]
    elsewhere = await _register(gql, person(21), client=there, per_hour=3)
    assert elsewhere.errors is None


async def test_concurrent_attempts_never_pass_the_limit(seeded_url: str,
                                                        settings: Settings) -> None:
    """Twenty attempts at once from one client with a limit of five: exactly five get through
    (to be refused for their input, so nothing is registered); fifteen are RATE_LIMITED."""
    assert settings.data_key is not None
    cipher = PiiCipher.from_text(settings.data_key)
    client = f"race-{secrets.token_hex(4)}"
    bad = service.VolunteerInput(name="张伟", id_number=person_id(6100), mobile="12345",
                                 education="本科")
    conns = [await psycopg.AsyncConnection.connect(as_app(seeded_url), autocommit=True)
             for _ in range(20)]
    try:
        outcomes = await asyncio.gather(*(
            service.register_volunteer(ConnectionDatabase(c), cipher, ANONYMOUS, bad,
                                       attempt=service.Attempt(client=client, per_hour=5))
            for c in conns), return_exceptions=True)
    finally:
        for c in conns:
            await c.close()
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["RateLimited"] * 15 + ["Refused"] * 5, kinds
    assert all(isinstance(o, ratelimit.RateLimited | service.Refused) for o in outcomes)
