"""The certificate (志愿服务证明) as an A4 PDF in Chinese.

Fonts come from reportlab itself: the CID font ``STSong-Light`` renders Chinese without a font
file, and its text extracts as Unicode. Page 1 carries the statement, the totals, the star
level, the verification code and a QR code of the verification URL; the records table runs
over as many pages as needed. Every page footer repeats the code, "第 N 页 / 共 M 页" (so a
removed page shows) and the Ed25519 signature with its key id. The signed payload and the
signature are embedded in the document keywords for offline checking, see
:mod:`hub.certs.verify`.
"""

from __future__ import annotations

import base64
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
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from hub.certs.model import MAX_STARS, CertificateData, canonical_payload
from hub.certs.verify import VerifyResult, encode_token, extract_and_verify

__all__ = ["VerifyResult", "extract_and_verify", "render_certificate"]

FONT = "STSong-Light"
MONO = "Courier"
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
STAR_NAMES = ("未达星级", "一星级", "二星级", "三星级", "四星级", "五星级")
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
FOOTER_H = 14 * mm
QR_SIZE = 34 * mm
INK = colors.HexColor("#1f2d3d")
ACCENT = colors.HexColor("#b22222")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef2f6")

_font_registered = False


def _register_font() -> None:
    global _font_registered
    if not _font_registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _font_registered = True


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
    label = _style("label", 10.5, textColor=colors.HexColor("#52606d"))
    value = _style("value", 11.5)
    stars = _style("stars", 11.5, textColor=ACCENT)
    small = _style("small", 8, alignment=TA_CENTER)
    code = ParagraphStyle("code", fontName=MONO, fontSize=9.5, leading=12, alignment=TA_CENTER)
    rows = [
        ("姓名", _p(data.volunteer_name, value)),
        ("证件号码", _p(data.volunteer_id_masked or "—", value)),
        ("服务期间", _p(f"{_cn_date(data.period_from)} 至 {_cn_date(data.period_to)}", value)),
        ("服务时长", _p(f"{data.total_hours:.2f} 小时（共 {len(data.records)} 条记录）", value)),
        ("星级", _p(star_text(data.stars), stars)),
        ("出具单位", _p(data.issuer_name, value)),
    ]
    facts = Table(
        [[_p(k, label), v] for k, v in rows],
        colWidths=[24 * mm, None],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
    qr = Image(io.BytesIO(qr_png(verify_url)), width=QR_SIZE, height=QR_SIZE)
    side = [qr, Paragraph(escape(data.code), code), _p("扫码核验 · 验证码", small)]
    width = PAGE_W - 2 * MARGIN
    return Table(
        [[facts, side]],
        colWidths=[width - QR_SIZE - 10 * mm, QR_SIZE + 10 * mm],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
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
                ("SPAN", (0, -1), (1, -1)),
                ("SPAN", (2, -1), (3, -1)),
                ("BACKGROUND", (0, -1), (-1, -1), SHADE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        ),
    )


def _story(data: CertificateData, verify_url: str, key_id: str) -> list[Any]:
    title = _style("title", 26, alignment=TA_CENTER, spaceAfter=2 * mm, textColor=ACCENT)
    subtitle = _style("subtitle", 10, alignment=TA_CENTER, textColor=colors.HexColor("#52606d"))
    body = _style("body", 11.5, firstLineIndent=23, spaceBefore=3 * mm, spaceAfter=3 * mm)
    heading = _style("heading", 12.5, spaceBefore=2 * mm, spaceAfter=2 * mm)
    right = _style("right", 11.5, alignment=TA_RIGHT)
    note = _style("note", 8.5, textColor=colors.HexColor("#52606d"))
    masked = f"（证件号码 {data.volunteer_id_masked}）" if data.volunteer_id_masked else ""
    statement = (
        f"兹证明 {data.volunteer_name}{masked} 于 {_cn_date(data.period_from)} 至 "
        f"{_cn_date(data.period_to)} 期间参加科技志愿服务，经核实的服务记录共 "
        f"{len(data.records)} 条，累计服务时长 {data.total_hours:.2f} 小时，"
        f"星级为{STAR_NAMES[data.stars]}。服务记录真实、准确，特此证明。"
    )
    issued = data.issued_at.astimezone(BEIJING).date()
    verification = (
        f"核验方式：扫描二维码或访问 {verify_url} ，输入验证码 {data.code} 查看本证明所证明的内容。"
        f"本证明附出具单位的 Ed25519 电子签名（密钥标识 {key_id}），签名数据嵌入本文件，"
        "可使用出具单位公布的公钥离线核验；任何改动都会使签名失效。"
    )
    return [
        _p("志愿服务证明", title),
        _p("科技志愿服务 · Certificate of Volunteer Service", subtitle),
        Spacer(1, 5 * mm),
        _summary(data, verify_url),
        _p(statement, body),
        _p("服务记录明细", heading),
        _records_table(data),
        Spacer(1, 8 * mm),
        KeepTogether(
            [
                _p(f"出具单位：{data.issuer_name}", right),
                _p(f"出具日期：{_cn_date(issued)}", right),
                Spacer(1, 5 * mm),
                _p(verification, note),
            ]
        ),
    ]


def _canvas_maker(code: str, signature: bytes, key_id: str) -> type:
    """A canvas class that draws "第 N 页 / 共 M 页" and the signature on every page."""
    sig_text = base64.b64encode(signature).decode()

    class _FooterCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            y = MARGIN + 6 * mm
            self.setStrokeColor(RULE)
            self.setLineWidth(0.3)
            self.line(MARGIN, y + 4 * mm, PAGE_W - MARGIN, y + 4 * mm)
            self.setFillColor(INK)
            self.setFont(FONT, 8)
            self.drawString(MARGIN, y, f"志愿服务证明 · 验证码 {code}")
            self.drawRightString(PAGE_W - MARGIN, y, f"第 {self._pageNumber} 页 / 共 {total} 页")
            label = f"签名 Ed25519 · 密钥 {key_id}："
            self.setFont(FONT, 6)
            self.drawString(MARGIN, y - 3.5 * mm, label)
            self.setFont(MONO, 5.5)
            x = MARGIN + pdfmetrics.stringWidth(label, FONT, 6) + 1 * mm
            self.drawString(x, y - 3.5 * mm, sig_text)

    return _FooterCanvas


def render_certificate(
    data: CertificateData, *, signature: bytes, key_id: str, verify_url: str
) -> bytes:
    """The certificate as PDF bytes; ``signature`` must be over ``canonical_payload(data)``."""
    _register_font()
    token = encode_token(canonical_payload(data), signature, key_id)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_H,
        title=f"志愿服务证明 {data.volunteer_name}",
        author=data.issuer_name,
        subject=f"志愿服务证明 验证码 {data.code}",
        keywords=f"{data.code} {token}",
        creator="hub 科技志愿服务",
    )
    doc.build(
        _story(data, verify_url, key_id), canvasmaker=_canvas_maker(data.code, signature, key_id)
    )
    return buf.getvalue()
