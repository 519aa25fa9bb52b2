"""The one font a certificate (志愿服务证明) prints with, and what it can print.

``hub/data/fonts/HubCertSerifSC-Regular.ttf`` is a subset of Noto Serif CJK SC (OFL, see
``hub/data/fonts/README.md``): GB 2312, Latin-1, the punctuation and symbols a certificate uses
and some name characters outside GB 2312. reportlab embeds the glyphs a PDF uses, so the
certificate reads the same in every viewer. Text needing a character the font lacks is refused
(:func:`unprintable`) instead of printing a blank box.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "HubCertSerifSC"
FONT_FILE = Path(__file__).resolve().parent.parent / "data" / "fonts" / "HubCertSerifSC-Regular.ttf"


@cache
def register() -> str:
    """Register the certificate font with reportlab (once); returns its name."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


@cache
def _covered() -> frozenset[int]:
    font = pdfmetrics.getFont(register())
    assert isinstance(font, TTFont)
    return frozenset(font.face.charToGlyph)


def unprintable(*texts: str) -> list[str]:
    """The distinct characters of ``texts`` the certificate font has no glyph for, in order.

    Line breaks and tabs count as printable (they are never drawn).
    """
    covered = _covered()
    missing: dict[str, None] = {}
    for text in texts:
        for ch in text:
            if ord(ch) not in covered and ch not in "\n\r\t":
                missing[ch] = None
    return list(missing)
