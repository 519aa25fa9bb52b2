"""Every coded message exists in Chinese and English: each error code the API can answer (the
top-level codes, every mutation's error enum, the codes the source writes into extensions)
has both sentences in the one vocabulary, and every label of every group has both."""

from __future__ import annotations

import re
from pathlib import Path

import graphql
import pytest

from hub import vocabulary
from hub.db.pool import DatabaseUnavailable
from hub.schema import errors, messages, payloads, schema
from hub.services.ratelimit import RateLimited
from hub.services.workflow_errors import Code

HUB = Path(__file__).resolve().parents[2] / "hub"
CJK = re.compile(r"[\u4e00-\u9fff]")
# A code written into a GraphQL error's extensions or an HTTP refusal somewhere in the source.
WRITTEN = re.compile(r'''(?:"code":\s*|\bcode\s*=\s*|Refusal\(\d+,\s*|_refusal\(|RecordsError\()'''
                     r'''"([A-Z][A-Z_]{3,})"''')


def _enum_values() -> set[str]:
    document = graphql.parse(schema().as_str())
    return {value.name.value for d in document.definitions
            if isinstance(d, graphql.EnumTypeDefinitionNode) and d.name.value.endswith(
                "ErrorCode") for value in d.values or ()}


def _written_codes() -> set[str]:
    return {m.group(1) for path in HUB.rglob("*.py")
            for m in WRITTEN.finditer(path.read_text(encoding="utf-8"))}


def every_code() -> set[str]:
    classes = [errors.HubError, *errors.HubError.__subclasses__(), DatabaseUnavailable,
               RateLimited]
    return (set(messages.CODES) | set(payloads.CODES) | _enum_values() | _written_codes()
            | {str(c) for c in Code} | {str(cls.code) for cls in classes})


def test_the_walk_finds_the_codes_it_should():
    found = every_code()
    assert {"BAD_USER_INPUT", "QUERY_TOO_LARGE", "DATABASE_UNAVAILABLE", "OFFER_EXPIRED",
            "NAME_RULE", "RATE_LIMITED", "PERSISTED_QUERY_NOT_IN_LIST"} <= found
    assert len(found) > 60


@pytest.mark.parametrize("code", sorted(every_code()))
def test_every_code_has_a_chinese_and_an_english_sentence(code: str):
    entry = vocabulary.data()["errorCode"].get(code)
    assert entry is not None, f"give {code} sentences in hub/data/vocabulary.json (errorCode)"
    assert CJK.search(entry["zh"]), f"{code}: the Chinese sentence is not Chinese"
    assert entry["en"].strip() and not CJK.search(entry["en"]), f"{code}: no English sentence"
    assert messages.zh(code) == entry["zh"] and messages.en(code) == entry["en"]


@pytest.mark.parametrize("group", sorted(vocabulary.data()))
def test_every_label_exists_in_both_languages(group: str):
    entries = vocabulary.data()[group]
    for code, entry in entries.items():
        assert entry["zh"].strip() and entry["en"].strip(), (group, code)
        assert not CJK.search(entry["en"]), (group, code)
    if group == "errorCode":  # sentences, not labels to look codes up by (INVALID and
        return                # BAD_USER_INPUT share one)
    built = vocabulary.vocabulary(group)  # raises if a label or synonym is ambiguous
    assert built.codes == tuple(entries)
    for code, entry in entries.items():
        assert built.lookup(entry["zh"]) == code and built.lookup(code) == code
        for alias in entry.get("aliases", ()):
            assert built.lookup(alias) == code, (group, code, alias)


def test_an_unknown_code_still_gets_a_sentence_in_each_language():
    assert CJK.search(vocabulary.message("NO_SUCH_CODE", "zh"))
    assert vocabulary.message("NO_SUCH_CODE", "en") == "The request could not be completed"
