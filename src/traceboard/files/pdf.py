"""PDF documents in Chinese: fpdf2 with a CJK font embedded (subset), so any viewer shows it
and text extraction returns the characters.

The font is Debian's Noto Sans CJK (package ``fonts-noto-cjk``, installed by
``make``); ``TRACEBOARD_CJK_FONT`` names another TTF/OTF/TTC file.
"""

from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: Simplified Chinese
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
)
BOLD_CANDIDATES = (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),)
FAMILY = "cjk"


class FontMissing(RuntimeError):
    """No CJK font is installed (install Debian's fonts-noto-cjk, or set TRACEBOARD_CJK_FONT)."""


def _find(candidates) -> tuple[str, int] | None:
    override = os.environ.get("TRACEBOARD_CJK_FONT")
    if override:
        return override, 0
    return next(((p, i) for p, i in candidates if Path(p).exists()), None)


def new_pdf(title: str, author: str = "湘乡市重要产品追溯体系建设工作领导小组办公室") -> FPDF:
    """An A4 portrait document with the CJK font registered as family ``cjk`` (regular and bold)."""
    regular = _find(FONT_CANDIDATES)
    if regular is None:
        raise FontMissing("no CJK font found: install Debian's fonts-noto-cjk or set TRACEBOARD_CJK_FONT")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("traceboard")
    pdf.add_font(FAMILY, "", regular[0], collection_font_number=regular[1])
    bold = _find(BOLD_CANDIDATES) or regular
    pdf.add_font(FAMILY, "B", bold[0], collection_font_number=bold[1])
    pdf.set_font(FAMILY, size=11)
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf
