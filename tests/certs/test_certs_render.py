"""What the certificate PDF shows: every printed string read back, its one embedded font, and
page 1 rendered to PNG against a golden image (``HUB_UPDATE_GOLDEN=1`` rewrites the image)."""

from __future__ import annotations

import base64
import csv
import io
import os
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageStat

from hub.certs import fonts
from hub.certs.model import CertificateData, CertificateRecord, canonical_payload
from hub.certs.pdf import (
    SUBTITLE,
    TITLE,
    issuer_lines,
    render_certificate,
    statement,
    verification_note,
)
from hub.certs.signing import SigningKey
from hub.seed import names

GOLDEN = Path(__file__).parent / "golden" / "certificate-page1.png"
SCALE = 1.5  # 108 dpi: 893 x 1263 pixels
# Tolerances, for another pdfium's or platform's anti-aliasing: the mean absolute grey-level
# difference (of 255) and how many pixels of the half-size images may differ by more than 64.
# A re-render at 1 % another scale differs by 2.5 and 169 pixels; ★★★☆☆ → ★★★★★ by 0.13 and 50.
MEAN_TOLERANCE = 0.5
CHANGED_TOLERANCE = 20
KEY = SigningKey.from_text("SGYJeMIHwP4iL+yTglsKTj1SNo6DJkk55F9R/OgAVzo=")  # a test key only
URL = "https://hub.example.cn/certificates/"
WORK = [
    ("社区科普讲座：防范电信诈骗", "郑州市金水区科技志愿服务队", "2.50"),
    ("青少年科学营·机器人体验课", "郑州科技馆", "3.00"),
    ("健康义诊与科普咨询", "金水区新时代文明实践中心", "4.00"),
    ("农业技术下乡：小麦病虫害防治", "郑州市中牟县科学技术协会", "6.00"),
]


def _data(name: str = "阿依古丽·买买提") -> CertificateData:
    records = tuple(
        CertificateRecord(date=date(2024, 3, 2) + timedelta(days=9 * i), title=title,
                          organization=org, hours=Decimal(hours))
        for i, (title, org, hours) in enumerate(WORK))
    return CertificateData(
        code="7K3M-Q0ZD-4HXA-9T2W", volunteer_name=name, volunteer_id_masked="410***********123X",
        period_from=date(2024, 1, 1), period_to=date(2024, 12, 31),
        total_hours=sum((r.hours for r in records), Decimal(0)), stars=3, records=records,
        issuer_name="郑州市金水区科技志愿服务队", association_name="郑州市金水区科学技术协会",
        issued_at=datetime(2025, 1, 2, 9, 30, tzinfo=timezone(timedelta(hours=8))))


def _render(data: CertificateData) -> bytes:
    return render_certificate(data, signature=KEY.sign(canonical_payload(data)),
                              key_id=KEY.key_id, verify_url=URL + data.code)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_printed_string_reads_back_and_nothing_else() -> None:
    data = _data()
    pdf = _render(data)
    (page,) = pypdf.PdfReader(io.BytesIO(pdf)).pages
    text = page.extract_text()
    assert "\ufffd" not in text and "Certificate of Science and Technology" in text
    signature = KEY.sign(canonical_payload(data))
    printed = [
        TITLE, SUBTITLE, "姓名", "阿依古丽·买买提", "证件号码", "410***********123X",
        "服务期间", "2024年1月1日 至 2024年12月31日", "服务时长", "15.50 小时（共 4 条记录）",
        "星级", "★★★☆☆ 三星级", "出具单位", "郑州市金水区科技志愿服务队", "主管科协",
        "郑州市金水区科学技术协会", data.code, "微信扫码核验 · 验证码", statement(data),
        "服务记录明细", "序号", "日期", "服务项目 / 活动", "组织单位", "时长（小时）",
        *[part for i, (title, org, hours) in enumerate(WORK, start=1)
          for part in (str(i), (date(2024, 3, 2) + timedelta(days=9 * (i - 1))).isoformat(),
                       title, org, hours)],
        "合计", "15.50", *issuer_lines(data), "（盖章处）",
        verification_note(data, URL + data.code, KEY.key_id),
        f"科技志愿服务证明 · 验证码 {data.code}", "第 1 页 / 共 1 页",
        f"签名 Ed25519 · 密钥 {KEY.key_id}：{base64.b64encode(signature).decode()}",
    ]
    assert "出具日期：2025年1月2日" in issuer_lines(data)
    rest = _squeeze(text)
    for expected in sorted(printed, key=len, reverse=True):
        assert _squeeze(expected) in rest, expected
        rest = rest.replace(_squeeze(expected), "", 1)
    # what is left is the seal's arc, one glyph at a time: the 科协's name
    assert sorted(rest) == sorted(data.association_name or "")


def test_one_font_embedded_with_every_glyph() -> None:
    pdf = _render(_data())
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts_seen = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]  # embedded TrueType
            fonts_seen.append(str(font["/BaseFont"]))
    assert fonts_seen, "no font"
    assert all(name.endswith("+HubCertSerifSC-Regular") for name in fonts_seen), fonts_seen
    assert b"STSong" not in pdf and b"UniGB-UCS2" not in pdf and b"/Courier" not in pdf


def test_a_character_outside_the_font_is_refused_not_printed_blank() -> None:
    assert fonts.unprintable("王小明·张", "镕堃喆玥", "★☆（）：、") == []
    assert fonts.unprintable("刘䶮", "𠀀", "王") == ["䶮", "𠀀"]
    with pytest.raises(ValueError, match="䶮"):
        _render(_data("刘䶮"))


def test_every_division_and_demo_name_is_printable() -> None:
    """A 科协 is named after its division; the demo's volunteers after its name lists."""
    with (Path(fonts.__file__).parent.parent / "data" / "cn_regions_adcodes.csv").open(
            encoding="utf-8") as regions:
        division_names = [row["name"] for row in csv.DictReader(regions)]
    assert len(division_names) > 3000
    assert fonts.unprintable(*division_names) == []
    assert fonts.unprintable(*names.SURNAMES, *names.GIVEN_MALE, *names.GIVEN_FEMALE) == []


def _page_png(pdf: bytes) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        document.close()


def _difference(a: Image.Image, b: Image.Image) -> tuple[float, int]:
    """The mean grey-level difference, and the pixels differing by more than 64 at half size."""
    assert a.size == b.size
    a, b = a.convert("L"), b.convert("L")  # grey levels: colour noise is not a change
    mean = ImageStat.Stat(ImageChops.difference(a, b)).mean[0]
    strong = ImageChops.difference(a.reduce(2), b.reduce(2)).point(lambda v: 255 if v > 64 else 0)
    return mean, strong.histogram()[255]


def _matches(a: Image.Image, b: Image.Image) -> bool:
    mean, changed = _difference(a, b)
    return mean <= MEAN_TOLERANCE and changed <= CHANGED_TOLERANCE


def test_page_one_matches_the_golden_image() -> None:
    image = _page_png(_render(_data()))
    if os.environ.get("HUB_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        image.save(GOLDEN, optimize=True)
        pytest.fail(f"golden image rewritten: {GOLDEN}; look at it, then run again without "
                    "HUB_UPDATE_GOLDEN")
    golden = Image.open(GOLDEN)
    assert _matches(image, golden), _difference(image, golden)
    # the glyphs are drawn: the page is far from blank where the text is
    title_band = image.crop((0, int(60 * SCALE), image.width, int(110 * SCALE)))
    assert ImageStat.Stat(title_band.convert("L")).extrema[0][0] < 128
    # and the comparison sees a changed name, star level or 科协
    for changed in (_data("王小明"), replace(_data(), stars=5),
                    replace(_data(), association_name="郑州市科学技术协会")):
        assert not _matches(_page_png(_render(changed)), golden)
