"""The one vocabulary (hub/vocabulary.py): served at /vocabulary.json, complete, and the same
labels as the database's own tables and the codes the API answers."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from starlette.testclient import TestClient

from hub import vocabulary
from hub.app import create_app
from hub.auth.tokens import Role
from hub.matching.problem import UNFILLED_CODES
from hub.schema.messages import ZH as GRAPHQL_ZH
from hub.schema.payloads import ZH as PAYLOAD_ZH
from hub.schema.query import STATION_KINDS
from hub.settings import Settings
from tests.conftest import as_app


@pytest.fixture
def client(db_url: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=as_app(db_url))) as test_client:
        yield test_client


def test_served_without_a_token(client: TestClient):
    response = client.get("/vocabulary.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["category"]["health"] == {"zh": "医疗健康", "en": "Health"}
    assert body["skill"] == body["category"]
    assert body["status"]["dispatched"] == {"zh": "已派单", "en": "Dispatched"}
    assert body["status"]["active"] == {"zh": "正常", "en": "Active"}  # shared by several
    assert body["role"]["dispatcher"]["zh"] == "调度员"
    assert body["errorCode"]["BAD_USER_INPUT"]["en"] == "Invalid input"
    for group, entries in body.items():
        for code, labels in entries.items():
            assert set(labels) == {"zh", "en"} and all(labels.values()), (group, code)
    assert client.head("/vocabulary.json").status_code == 200
    assert client.post("/vocabulary.json").status_code == 405


def test_every_status_of_every_group_has_a_shared_label():
    served = vocabulary.public()
    codes = {c for g in vocabulary.STATUS_GROUPS for c in served[g]}
    assert set(served["status"]) == codes


def test_the_labels_are_the_databases(conn: psycopg.Connection):
    categories = {code: {"zh": zh, "en": en} for code, zh, en in conn.execute(
        "SELECT code, label_zh, label_en FROM service_category")}
    assert vocabulary.public()["category"] == categories
    states = dict(conn.execute("SELECT state, label_zh FROM dispatch_state").fetchall())
    assert {c: e["zh"] for c, e in vocabulary.public()["dispatchStatus"].items()} == states


def test_every_code_the_api_answers_has_labels():
    served = vocabulary.public()
    assert set(served["role"]) == {r.value for r in Role}
    assert set(served["stationKind"]) == set(STATION_KINDS)
    assert set(served["unfilledReason"]) == set(UNFILLED_CODES)
    missing = (set(GRAPHQL_ZH) | set(PAYLOAD_ZH)) - set(served["errorCode"])
    assert not missing


def test_labels_synonyms_and_english_find_the_code():
    skills = vocabulary.vocabulary("category")
    for text in ("health", "医疗健康", "健康科普", "Health", " HEALTH ", "医疗"):
        assert skills.lookup(text) == "health", text
    assert skills.lookup("烹饪") is None
    cohorts = vocabulary.vocabulary("cohort")
    assert cohorts.lookup("老科技工作者") == cohorts.lookup("老科协") == "retired_scientist"
    assert skills.label("health", "en") == "Health" and skills.label("health") == "医疗健康"
