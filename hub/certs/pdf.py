"""The certificate (志愿服务证明) as an A4 PDF in Chinese.

Everything is printed in one embedded font, a subset of Noto Serif CJK SC the project ships
(:mod:`hub.certs.fonts`), so every viewer shows the same glyphs; text needing a character the
font lacks is refused (ValueError) rather than printed blank. Page 1 carries the title, the
facts (name, period, hours, star level, the issuing organisation and its 科协), the QR code of
the verification URL with the code, and the statement; the records table runs over as many
pages as needed, then the issuer's lines over a seal area (:mod:`hub.certs.decor`). Every page
footer repeats the code, "第 N 页 / 共 M 页" (so a removed page shows) and the Ed25519
signature with its key id. The signed payload and the signature are embedded in the document
keywords for offline checking, see :mod:`hub.certs.verify`.
"""

from __future__ import annotations

import io
from datetime import date, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from hub.certs import fonts
from hub.certs.decor import (
    ACCENT,
    FOOTER_H,
    GREY,
    INK,
    MARGIN,
    PAGE_W,
    RULE,
    SealBlock,
    Title,
    canvas_maker,
)
from hub.certs.model import MAX_STARS, CertificateData, canonical_payload
from hub.certs.verify import VerifyResult, encode_token, extract_and_verify

__all__ = ["VerifyResult", "extract_and_verify", "printed_texts", "render_certificate"]

FONT = fonts.FONT
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
STAR_NAMES = ("未达星级", "一星级", "二星级", "三星级", "四星级", "五星级")
TITLE = "科技志愿服务证明"
SUBTITLE = "Certificate of Science and Technology Volunteer Service"
QR_SIZE = 34 * mm
SHADE = colors.HexColor("#f6efe6")


def _style(name: str, size: float, **kw: Any) -> ParagraphStyle:
    options: dict[str, Any] = {"textColor": INK, "leading": size * 1.45, "wordWrap": "CJK"}
    options.update(kw)
    return ParagraphStyle(name, fontName=FONT, fontSize=size, **options)


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def star_text(stars: int) -> str:
    """``★★★☆☆ 三星级`` for 3."""
    return "★" * stars + "☆" * (MAX_STARS - stars) + " " + STAR_NAMES[stars]


def qr_png(text: str) -> bytes:
    """A PNG of a QR code encoding ``text``."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf)
    return buf.getvalue()


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _summary(data: CertificateData, verify_url: str) -> Table:
    """Key facts on the left, the QR code and the code on the right."""
    label = _style("label", 10.5, textColor=GREY)
    value = _style("value", 11.5)
    stars = _style("stars", 11.5, textColor=ACCENT)
    small = _style("small", 8, alignment=TA_CENTER, textColor=GREY)
    code = _style("code", 9, alignment=TA_CENTER, wordWrap=None)
    rows = [
        ("姓名", _p(data.volunteer_name, value)),
        ("证件号码", _p(data.volunteer_id_masked or "—", value)),
        ("服务期间", _p(f"{_cn_date(data.period_from)} 至 {_cn_date(data.period_to)}", value)),
        ("服务时长", _p(f"{data.total_hours:.2f} 小时（共 {len(data.records)} 条记录）", value)),
        ("星级", _p(star_text(data.stars), stars)),
        ("出具单位", _p(data.issuer_name, value)),
    ]
    if data.association_name:
        rows.append(("主管科协", _p(data.association_name, value)))
    facts = Table(
        [[_p(k, label), v] for k, v in rows],
        colWidths=[24 * mm, None],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        ),
    )
    qr = Image(io.BytesIO(qr_png(verify_url)), width=QR_SIZE, height=QR_SIZE)
    side = [qr, _p(data.code, code), _p("微信扫码核验 · 验证码", small)]
    width = PAGE_W - 2 * MARGIN
    return Table(
        [[facts, side]],
        colWidths=[width - QR_SIZE - 10 * mm, QR_SIZE + 10 * mm],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LINEBEFORE", (1, 0), (1, 0), 0.3, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        ),
    )


def _records_table(data: CertificateData) -> Table:
    """The records, header repeated on every page, with a total row."""
    head = _style("head", 9.5, alignment=TA_CENTER)
    cell = _style("cell", 9)
    num = _style("num", 9, alignment=TA_RIGHT)
    rows: list[list[Any]] = [
        [_p(t, head) for t in ("序号", "日期", "服务项目 / 活动", "组织单位", "时长（小时）")]
    ]
    for i, r in enumerate(data.records, start=1):
        rows.append(
            [
                _p(str(i), num),
                _p(r.date.isoformat(), cell),
                _p(r.title, cell),
                _p(r.organization, cell),
                _p(f"{r.hours:.2f}", num),
            ]
        )
    rows.append(["", "", _p("合计", cell), "", _p(f"{data.total_hours:.2f}", num)])
    width = PAGE_W - 2 * MARGIN
    fixed = 12 * mm + 24 * mm + 24 * mm
    return Table(
        rows,
        colWidths=[12 * mm, 24 * mm, (width - fixed) * 0.55, (width - fixed) * 0.45, 24 * mm],
        repeatRows=1,
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("GRID", (0, 0), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("SPAN", (0, -1), (1, -1)),
                ("SPAN", (2, -1), (3, -1)),
                ("BACKGROUND", (0, -1), (-1, -1), SHADE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        ),
    )


def statement(data: CertificateData) -> str:
    """The sentence the certificate certifies."""
    masked = f"（证件号码 {data.volunteer_id_masked}）" if data.volunteer_id_masked else ""
    return (
        f"兹证明 {data.volunteer_name}{masked} 于 {_cn_date(data.period_from)} 至 "
        f"{_cn_date(data.period_to)} 期间参加科技志愿服务，经核实的服务记录共 "
        f"{len(data.records)} 条，累计服务时长 {data.total_hours:.2f} 小时，"
        f"星级为{STAR_NAMES[data.stars]}。服务记录真实、准确，特此证明。"
    )


def verification_note(data: CertificateData, verify_url: str, key_id: str) -> str:
    """How a third party checks the certificate (the small print at the end)."""
    return (
        f"核验方式：用微信或浏览器扫描二维码，或访问 {verify_url} 查看本证明的核验结果"
        f"（验证码 {data.code}）。本证明附出具单位的 Ed25519 电子签名（密钥标识 {key_id}），"
        "签名数据嵌入本文件，可使用出具单位公布的公钥离线核验；任何改动都会使签名失效。"
    )


def issuer_lines(data: CertificateData) -> list[str]:
    """The lines above the seal area: the issuing organisation, its 科协, the date."""
    issued = data.issued_at.astimezone(BEIJING).date()
    lines = [f"出具单位：{data.issuer_name}"]
    if data.association_name and data.association_name != data.issuer_name:
        lines.append(f"主管科协：{data.association_name}")
    lines.append(f"出具日期：{_cn_date(issued)}")
    return lines


def printed_texts(data: CertificateData) -> list[str]:
    """The texts of ``data`` a certificate prints (what the font must cover)."""
    texts = [data.volunteer_name, data.volunteer_id_masked or "", data.issuer_name,
             data.association_name or "", data.code]
    for record in data.records:
        texts += [record.title, record.organization]
    return texts


def _story(data: CertificateData, verify_url: str, key_id: str) -> list[Any]:
    subtitle = _style("subtitle", 10, alignment=TA_CENTER, textColor=GREY)
    body = _style("body", 11.5, firstLineIndent=23, spaceBefore=4 * mm, spaceAfter=3 * mm,
                  leading=11.5 * 1.7)
    heading = _style("heading", 12.5, spaceBefore=2 * mm, spaceAfter=2 * mm, textColor=ACCENT)
    note = _style("note", 8.5, textColor=GREY)
    return [
        Title(TITLE, 28, ACCENT, spacing=4),
        Spacer(1, 1 * mm),
        _p(SUBTITLE, subtitle),
        Spacer(1, 6 * mm),
        _summary(data, verify_url),
        _p(statement(data), body),
        _p("服务记录明细", heading),
        _records_table(data),
        Spacer(1, 6 * mm),
        KeepTogether(
            [
                SealBlock(issuer_lines(data), data.association_name or data.issuer_name),
                Spacer(1, 4 * mm),
                _p(verification_note(data, verify_url, key_id), note),
            ]
        ),
    ]


def render_certificate(
    data: CertificateData, *, signature: bytes, key_id: str, verify_url: str
) -> bytes:
    """The certificate as PDF bytes; ``signature`` must be over ``canonical_payload(data)``.

    Raises ValueError if the certificate font cannot print a character of ``data``.
    """
    fonts.register()
    missing = fonts.unprintable(*printed_texts(data), verify_url, key_id)
    if missing:
        raise ValueError(f"the certificate font has no glyph for {''.join(missing)!r}")
    token = encode_token(canonical_payload(data), signature, key_id)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_H,
        title=f"{TITLE} {data.volunteer_name}",
        author=data.issuer_name,
        subject=f"{TITLE} 验证码 {data.code}",
        keywords=f"{data.code} {token}",
        creator="hub 科技志愿服务",
    )
    doc.build(
        _story(data, verify_url, key_id), canvasmaker=canvas_maker(data.code, signature, key_id)
    )
    return buf.getvalue()
