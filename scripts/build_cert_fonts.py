#!/usr/bin/env python3
"""Rebuild the certificate font hub/data/fonts/HubCertSerifSC-Regular.ttf from Noto Serif CJK SC.

Source: Noto Serif CJK SC Regular, SIL Open Font License 1.1, as Debian packs it in
``fonts-noto-cjk`` (1:20220127+repack1-1, NotoSerifCJK-Regular.ttc, face 2 = SC)::

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
    python scripts/build_cert_fonts.py /tmp/noto/usr/share/fonts/opentype/noto

Needs fontTools (``pip install fonttools``; the hub does not need it to run). What is kept
(:func:`wanted`): ASCII and Latin-1, the punctuation, symbols and full-width forms a
certificate prints, all of GB 2312 (its 6,763 ideographs and its symbols, 2.8 MB),
:data:`NAME_EXTRAS`, name characters outside GB 2312, and every character of the division names
in hub/data/cn_regions_adcodes.csv (硚口区, 瀍河回族区, 浉河区 ...: a 科协 is named after them). All of GBK would be 13 MB. A certificate
whose text needs a character outside the font is refused before it is issued
(:func:`hub.certs.fonts.unprintable`; issuing answers ``INVALID`` naming them), never
printed blank.

reportlab embeds only TrueType outlines, so the CFF (cubic) outlines are converted to
TrueType (quadratic, within 1 font unit) and hinting and layout tables are dropped. The OFL
reserves the name "Noto" for unmodified versions: the subset is called "Hub Cert Serif SC".
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

FACE_SC = 2  # the SC face in Noto Serif CJK's collections
DATA = Path(__file__).resolve().parent.parent / "hub" / "data"
OUT = DATA / "fonts"
SOURCE = "NotoSerifCJK-Regular.ttc"
TARGET = "HubCertSerifSC-Regular.ttf"
FAMILY = "Hub Cert Serif SC"
MAX_ERR = 1.0  # font units (of 1000 per em) the quadratic outlines may deviate


# Characters seen in given names that GB 2312 lacks (朱镕基's 镕, 堃, 喆, 玥, 昇, 赟, 祎 ...).
NAME_EXTRAS = (
    "伃伋佺侹倢偲喆垚堃堉妘婠婳媖嫄嫚嬿峣嵚彧旸昇晞暐曌朤棪橦沄洢洺浛淏淯湉湜溦澔炘炟烔烜焜燊"
    "燚犇玙玥玹珅珝珣珮珵珺琇琤琭瑀瑄瑢瑨瑱璘璟璠瓅祎祐禕禛禤翀翚翯翾芃菂萩谞赟鍀钖镕镠雱霂霙"
    "韡頔頫颋颙飏骉鹍鹓"
)


def _gb2312() -> set[int]:
    found: set[int] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                ch = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                found.add(ord(ch))
    return found


def wanted() -> set[int]:
    """The code points kept in the subset."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= _gb2312() | {ord(ch) for ch in NAME_EXTRAS}  # GB 2312: kana, Greek, Cyrillic too
    chars |= set(range(0x2000, 0x2070))  # general punctuation: — ‘ ’ “ ” … ‰ ※ ‧
    chars |= set(range(0x2190, 0x2200)) | set(range(0x2460, 0x24FF))  # arrows, ① ②
    chars |= set(range(0x25A0, 0x2700))  # geometric shapes and symbols: ★ ☆ ● ○ □ ■
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))  # CJK punct., full width
    chars |= {0x2116, 0x2103, 0x00D7, 0x00F7, 0x2030, 0x2122}  # № ℃ × ÷ ‰ ™
    with (DATA / "cn_regions_adcodes.csv").open(encoding="utf-8") as regions:
        chars |= {ord(ch) for row in csv.DictReader(regions) for ch in row["name"]}
    return chars


def _to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by glyf ones (fontTools' otf2ttf recipe, public pens only)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        tt_pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(tt_pen, MAX_ERR, reverse_direction=True))
        glyphs[name] = tt_pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font: TTFont, style: str) -> None:
    names = font["name"]
    postscript = FAMILY.replace(" ", "") + "-" + style
    values = {1: FAMILY, 2: style, 3: f"{postscript};hub-subset", 4: f"{FAMILY} {style}",
              6: postscript, 16: FAMILY, 17: style}
    for record in list(names.names):
        if record.nameID in values:
            names.removeNames(nameID=record.nameID)
    for name_id, text in values.items():
        names.setName(text, name_id, 3, 1, 0x409)
    names.setName(f"Subset of Noto Serif CJK SC {style}, converted to TrueType outlines; "
                  "SIL Open Font License 1.1", 5, 3, 1, 0x409)


def build(source_dir: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    font = TTFont(source_dir / SOURCE, fontNumber=FACE_SC)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted()))
    subsetter.subset(font)
    _to_truetype(font)
    _rename(font, "Regular")
    font.save(OUT / TARGET)
    size = (OUT / TARGET).stat().st_size / 1e6
    print(f"{TARGET}: {len(font.getGlyphOrder())} glyphs, {size:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
