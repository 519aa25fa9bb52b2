"""The MZ/T 061 export: every element present in each section, a stable unified number in
place of the ID number, no ID number or phone anywhere in the file, admins only, and the
element table documented in docs/mzt061.md."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook

from hub.auth.actions import Denied
from hub.auth.tokens import Caller, Role
from hub.office import mzt061
from hub.pii import PiiCipher
from hub.services import standard_export
from hub.store.base import ConnectionDatabase
from tests.conftest import TEST_DATA_KEY
from tests.office.recognition_world_rc import (
    ADMIN,
    CITY,
    YEAR,
    make_world,
    oconn,
    odb,
    office_url,
)

__all__ = ["oconn", "odb", "office_url"]
CIPHER = PiiCipher.from_text(TEST_DATA_KEY)
ID_NUMBER, PHONE = "410303199001011234", "13812345678"
DOC = Path(__file__).resolve().parents[2] / "docs" / "mzt061.md"


async def _with_personal_data(oconn: psycopg.AsyncConnection[Any]) -> int:
    """A volunteer of the world given an ID number and a phone as the hub stores them."""
    cur = await oconn.execute("SELECT min(id) FROM volunteer")
    row: Any = await cur.fetchone()
    await oconn.execute(
        "UPDATE volunteer SET id_number_enc = %s, id_number_hash = %s, id_number_masked = %s, "
        "phone_enc = %s, phone_hash = %s, phone_masked = %s, birth_date = '1990-01-01' "
        "WHERE id = %s",
        (CIPHER.encrypt(ID_NUMBER, field="id_number"),
         CIPHER.blind_index(ID_NUMBER, field="id_number"), "410***********1234",
         CIPHER.encrypt(PHONE, field="phone"), CIPHER.blind_index(PHONE, field="phone"),
         "138****5678", row[0]))
    return int(row[0])


def _text_of_xlsx(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))


async def test_every_element_and_no_id_number(oconn: psycopg.AsyncConnection[Any],
                                              odb: ConnectionDatabase):
    world = await make_world(oconn)
    await oconn.execute("UPDATE organization SET created_at = %s", (f"{YEAR}-02-01",))
    await oconn.execute("UPDATE volunteer SET registered_at = %s", (f"{YEAR}-02-01",))
    marked = await _with_personal_data(oconn)
    xlsx = await standard_export.export(odb, CIPHER, ADMIN, region_code=CITY, year=YEAR,
                                        fmt="xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == [zh for zh, _ in mzt061.SECTIONS.values()]
    for section, (zh, _) in mzt061.SECTIONS.items():
        rows = list(book[zh].iter_rows(values_only=True))
        header = next(r for r in rows if all(c is not None for c in r))
        assert header == mzt061.headers(section), section
    volunteers = list(book["志愿者"].iter_rows(min_row=2, values_only=True))
    in_city = [v for v, r in world.volunteer_region.items() if r.startswith("4103")]
    assert len(volunteers) == len(in_city)
    numbers = [r[0] for r in volunteers]
    assert all(re.fullmatch(r"ZY[A-Z2-7]{16}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    service = list(book["服务时间"].iter_rows(min_row=2, values_only=True))
    served = [r for r in world.records if r.served_on.year == YEAR]
    assert sorted(r[0] for r in service) == sorted(r.id for r in served)
    assert all(re.fullmatch(r"ZY[A-Z2-7]{16}", r[1]) for r in service)

    # No ID number, masked or whole, no phone, no birth date, in either format.
    doc = await standard_export.export(odb, CIPHER, ADMIN, region_code=CITY, year=YEAR,
                                       fmt="json")
    for text in (_text_of_xlsx(xlsx.content), doc.content.decode()):
        for secret in (ID_NUMBER, "410***********1234", PHONE, "138****5678", "1990-01-01"):
            assert secret not in text
        assert not re.search(r"\d{17}[\dX]", text)  # nothing shaped like an ID number
    parsed = json.loads(doc.content)
    assert set(parsed["sections"]) == set(mzt061.SECTIONS)
    first = parsed["sections"]["volunteer"]["rows"][0]
    assert list(first) == [e.zh for e in mzt061.ELEMENTS["volunteer"]]

    # The number is stable from export to export, and the marked volunteer's is theirs.
    again = await standard_export.read(odb, CIPHER, ADMIN, region_code=CITY, year=YEAR)
    assert [r[0] for r in again["volunteer"]] == numbers
    expected = mzt061.unified_number(CIPHER.blind_index(str(marked), field=mzt061.UID_PURPOSE))
    assert expected in numbers


async def test_admins_only(odb: ConnectionDatabase):
    for caller in (Caller(Role.DISPATCHER, "d", region=CITY), Caller(Role.ORG_ADMIN, "o", org=1),
                   Caller(Role.VOLUNTEER, "v"), Caller(Role.PARTNER, "p")):
        with pytest.raises(Denied):
            await standard_export.export(odb, CIPHER, caller, region_code=CITY, year=YEAR,
                                         fmt="xlsx")


def test_the_documented_table_is_the_exported_one():
    text = DOC.read_text(encoding="utf-8")
    for section, elements in mzt061.ELEMENTS.items():
        assert mzt061.SECTIONS[section][0] in text
        for e in elements:
            assert f"| {e.zh} | {e.en} | `{e.source}` | {e.note} |" in text, e
