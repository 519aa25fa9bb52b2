"""The certificate PDF (志愿服务证明): Chinese text, pagination, QR code, offline verification."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pypdf
import pytest
from PIL import Image, ImageChops

from hub.certs.model import CertificateData, CertificateRecord, canonical_payload, new_code
from hub.certs.pdf import extract_and_verify, qr_png, render_certificate
from hub.certs.signing import SigningKey, generate_key_text
from hub.certs.verify import _tokens_by_pypdf, decode_token, encode_token, find_tokens

BEIJING = timezone(timedelta(hours=8))
URL = "https://hub.example.cn/certificates/"


def _data(n_records: int = 3) -> CertificateData:
    records = tuple(
        CertificateRecord(
            date=date(2024, 1, 1) + timedelta(days=i),
            title=f"社区科普讲座第{i + 1}场：防范电信诈骗与健康知识 <&>",
            organization="郑州市金水区科技志愿服务队",
            hours=Decimal("2.50"),
        )
        for i in range(n_records)
    )
    return CertificateData(
        code=new_code(),
        volunteer_name="王小明",
        volunteer_id_masked="410***********123X",
        period_from=date(2024, 1, 1),
        period_to=date(2024, 12, 31),
        total_hours=sum((r.hours for r in records), Decimal(0)),
        stars=3,
        records=records,
        issuer_name="郑州市科学技术协会",
        issued_at=datetime(2025, 1, 2, 23, 30, tzinfo=BEIJING),
    )


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.from_text(generate_key_text())


def _render(data: CertificateData, key: SigningKey) -> bytes:
    signature = key.sign(canonical_payload(data))
    return render_certificate(
        data, signature=signature, key_id=key.key_id, verify_url=URL + data.code
    )


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_renders_chinese_pdf(key: SigningKey) -> None:
    data = _data()
    pdf = _render(data, key)
    assert pdf.startswith(b"%PDF-")
    pages = _text(pdf)
    assert len(pages) == 1
    text = pages[0]
    for expected in (
        "志愿服务证明",
        "王小明",
        "410***********123X",
        "2024年1月1日 至 2024年12月31日",
        "7.50 小时",
        "★★★☆☆ 三星级",
        "郑州市科学技术协会",
        "出具日期：2025年1月2日",
        data.code,
        key.key_id,
        "第 1 页 / 共 1 页",
        "<&>",
    ):
        assert expected in text, expected
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4
    meta = reader.metadata
    assert meta is not None and meta.title == "科技志愿服务证明 王小明"


def test_qr_code_image_on_first_page(key: SigningKey) -> None:
    data = _data()
    pdf = _render(data, key)
    images = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    embedded = images[0].image
    assert embedded is not None
    expected = Image.open(io.BytesIO(qr_png(URL + data.code)))
    assert embedded.size == expected.size
    # pixel-identical to the QR code of the verification URL
    assert ImageChops.difference(embedded.convert("L"), expected.convert("L")).getbbox() is None


def test_no_records_and_no_stars(key: SigningKey) -> None:
    data = replace(_data(0), stars=0, volunteer_id_masked=None)
    pdf = _render(data, key)
    text = _text(pdf)[0]
    assert "☆☆☆☆☆ 未达星级" in text and "0.00 小时（共 0 条记录）" in text
    assert extract_and_verify(pdf, key.public_key_text()).valid


def test_many_records_span_pages(key: SigningKey) -> None:
    data = _data(200)
    pdf = _render(data, key)
    pages = _text(pdf)
    assert len(pages) >= 4
    joined = "\n".join(pages)
    assert "500.00" in joined
    for i, page in enumerate(pages, start=1):
        assert f"第 {i} 页 / 共 {len(pages)} 页" in page
        assert data.code in page
    assert all("序号" in page for page in pages[:-1])  # header repeated
    squeezed = "".join(joined.split())
    assert "社区科普讲座第200场" in squeezed and "合计500.00" in squeezed
    assert "出具单位：郑州市科学技术协会" in pages[-1]  # the issuer's lines close the last page
    assert extract_and_verify(pdf, key.public_key_text()).valid


def test_offline_verification_good(key: SigningKey) -> None:
    data = _data()
    result = extract_and_verify(_render(data, key), key.public_key_text())
    assert result.valid, result.reason
    assert result.key_id == key.key_id
    assert result.data is not None
    assert result.data["volunteer_name"] == "王小明" and result.data["code"] == data.code
    assert result.data["total_hours"] == "7.50" and result.data["stars"] == 3


def test_offline_verification_altered_bytes(key: SigningKey) -> None:
    pdf = _render(_data(), key)
    (token,) = find_tokens(pdf)
    payload, signature, key_id = decode_token(token)
    obj = json.loads(payload)
    obj["total_hours"] = "700.00"
    forged_payload = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    new_token = encode_token(forged_payload.encode(), signature, key_id).encode()
    result = extract_and_verify(pdf.replace(token, new_token), key.public_key_text())
    assert not result.valid and result.data is None
    assert "altered" in result.reason


def test_offline_verification_altered_render(key: SigningKey) -> None:
    data = _data()
    signature = key.sign(canonical_payload(data))
    other = _data()  # different code and content, rendered with the first signature
    pdf = render_certificate(other, signature=signature, key_id=key.key_id, verify_url=URL)
    assert not extract_and_verify(pdf, key.public_key_text()).valid


def test_offline_verification_forged(key: SigningKey) -> None:
    forger = SigningKey.from_text(generate_key_text())
    pdf = _render(_data(), forger)
    result = extract_and_verify(pdf, key.public_key_text())
    assert not result.valid and result.data is None
    assert "unknown key" in result.reason and forger.key_id in result.reason
    # claiming the issuer's key id does not help the forger
    data = _data()
    signature = forger.sign(canonical_payload(data))
    pdf = render_certificate(data, signature=signature, key_id=key.key_id, verify_url=URL)
    result = extract_and_verify(pdf, key.public_key_text())
    assert not result.valid and "altered" in result.reason


def test_rotated_keys_are_accepted(key: SigningKey) -> None:
    old = SigningKey.from_text(generate_key_text())
    pdf = _render(_data(), old)
    result = extract_and_verify(pdf, [key.public_key_text(), old.public_key_text()])
    assert result.valid and result.key_id == old.key_id


def test_no_or_duplicate_token(key: SigningKey) -> None:
    pdf = _render(_data(), key)
    (token,) = find_tokens(pdf)
    assert _tokens_by_pypdf(pdf) == {token}
    stripped = pdf.replace(token, b"X" * len(token))
    result = extract_and_verify(stripped, key.public_key_text())
    assert not result.valid and "no certificate signature" in result.reason
    other_token = next(iter(find_tokens(_render(_data(), key))))
    doubled = pdf + b"\n%" + other_token + b"\n"
    assert "more than one" in extract_and_verify(doubled, key.public_key_text()).reason
    assert not extract_and_verify(b"not a pdf", key.public_key_text()).valid
