"""What a certificate (志愿服务证明) draws beside its text: the frame, title, seal area, footer.

:class:`Title` draws the title in a heavier stroke (the font has one weight); :class:`SealBlock`
states the issuing organisation, its 科协 and the date at the right, over a dashed circle with
the 科协's name along its upper arc and "盖章处" (where the seal is stamped) inside: the printout
is stamped there, the PDF itself is vouched for by its Ed25519 signature. :func:`canvas_maker`
draws the frame and the footer ("第 N 页 / 共 M 页", the code and the signature) on every page.
"""

from __future__ import annotations

import base64
import math
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable

from hub.certs.fonts import FONT

PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
FOOTER_H = 14 * mm
INK = colors.HexColor("#1f2d3d")
GREY = colors.HexColor("#52606d")
ACCENT = colors.HexColor("#b22222")
GOLD = colors.HexColor("#b8860b")
RULE = colors.HexColor("#9aa5b1")
SEAL = colors.HexColor("#c0392b")
SEAL_R = 19 * mm


class Title(Flowable):
    """A centred title, filled and stroked so it reads heavier than body text."""

    def __init__(self, text: str, size: float, color: colors.Color, spacing: float = 0) -> None:
        super().__init__()
        self.text, self.size, self.color, self.spacing = text, size, color, spacing

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.size * 1.35

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setFillColor(self.color)
        c.setStrokeColor(self.color)
        c.setLineWidth(self.size / 40)
        width = pdfmetrics.stringWidth(self.text, FONT, self.size)
        width += self.spacing * (len(self.text) - 1)
        text = c.beginText((self.width - width) / 2, self.size * 0.3)
        text.setFont(FONT, self.size)
        text.setTextRenderMode(2)  # fill, then stroke
        text.setCharSpace(self.spacing)
        text.textOut(self.text)
        c.drawText(text)
        c.restoreState()


class SealBlock(Flowable):
    """The issuer's lines at the right and the seal area (盖章处) over them."""

    def __init__(self, lines: list[str], association: str, size: float = 12) -> None:
        super().__init__()
        self.lines, self.association, self.size = lines, association, size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, 2 * SEAL_R + 4 * mm

    def draw(self) -> None:
        c = self.canv
        leading = self.size * 1.8
        top = SEAL_R + 2 * mm + leading * (len(self.lines) - 1) / 2
        c.setFillColor(INK)
        c.setFont(FONT, self.size)
        widest = max(pdfmetrics.stringWidth(line, FONT, self.size) for line in self.lines)
        right = self.width - 4 * mm
        for i, line in enumerate(self.lines):
            c.drawRightString(right, top - i * leading - self.size * 0.35, line)
        self._seal(right - widest - SEAL_R - 6 * mm, SEAL_R + 2 * mm)

    def _seal(self, cx: float, cy: float) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(SEAL)
        c.setLineWidth(0.8)
        c.setDash(3, 2)
        c.circle(cx, cy, SEAL_R)
        c.setDash()
        c.setFillColor(SEAL)
        c.setFont(FONT, 7)
        c.drawCentredString(cx, cy - 2.5, "（盖章处）")
        self._arc(cx, cy, self.association, SEAL_R - 3.6 * mm)
        c.restoreState()

    def _arc(self, cx: float, cy: float, text: str, radius: float) -> None:
        """``text`` along the upper arc, centred on the top, each glyph upright to the circle."""
        c = self.canv
        size = 8.5
        step = min(math.radians(220) / max(len(text), 1), size * 1.15 / radius)
        size = min(size, radius * step / 1.1)
        start = math.pi / 2 + step * (len(text) - 1) / 2
        c.setFont(FONT, size)
        for i, ch in enumerate(text):
            angle = start - i * step
            c.saveState()
            c.translate(cx + radius * math.cos(angle), cy + radius * math.sin(angle))
            c.rotate(math.degrees(angle) - 90)
            c.drawCentredString(0, -size * 0.35, ch)
            c.restoreState()


def canvas_maker(code: str, signature: bytes, key_id: str) -> type:
    """A canvas class that frames every page and writes its footer with "第 N 页 / 共 M 页"."""
    sig_text = base64.b64encode(signature).decode()

    class _CertificateCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = FONT  # not Helvetica, which is not embedded
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._frame()
                self._footer(total)
                super().showPage()
            super().save()

        def _frame(self) -> None:
            self.saveState()
            outer = 9 * mm
            self.setStrokeColor(GOLD)
            self.setLineWidth(1.6)
            self.rect(outer, outer, PAGE_W - 2 * outer, PAGE_H - 2 * outer)
            self.setLineWidth(0.5)
            inner = outer + 2 * mm
            self.rect(inner, inner, PAGE_W - 2 * inner, PAGE_H - 2 * inner)
            self.restoreState()

        def _footer(self, total: int) -> None:
            y = MARGIN + 4 * mm
            self.setStrokeColor(RULE)
            self.setLineWidth(0.3)
            self.line(MARGIN, y + 4 * mm, PAGE_W - MARGIN, y + 4 * mm)
            self.setFillColor(INK)
            self.setFont(FONT, 8)
            self.drawString(MARGIN, y, f"科技志愿服务证明 · 验证码 {code}")
            self.drawRightString(PAGE_W - MARGIN, y, f"第 {self._pageNumber} 页 / 共 {total} 页")
            self.setFillColor(GREY)
            self.setFont(FONT, 5.5)
            self.drawString(MARGIN, y - 3.5 * mm, f"签名 Ed25519 · 密钥 {key_id}：{sig_text}")

    return _CertificateCanvas
