"""Page layout shared by the documents: A4, margins, header, "第 x 页 共 y 页", CJK paragraph styles.

Page totals need two passes; ``NumberedCanvas`` keeps each page's state and writes the footer
when the document is saved (the usual reportlab canvasmaker recipe).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as _canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from .fonts import register_document_fonts

# reportlab's CJK line breaking knows the Japanese "cannot start a line" characters but not the
# Chinese full-width ones, so a line could start with "，".  Add them (GB/T 15834 标点).
_CN_CANNOT_START = "，：；！？》〉』】〕〗”’…—·％"


def _teach_chinese_line_breaking() -> None:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):  # single-fragment paragraphs break in textsplit.wordSplit
        missing = "".join(c for c in _CN_CANNOT_START if c not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START = module.ALL_CANNOT_START + missing


_teach_chinese_line_breaking()

# Binary (not ASCII85) streams: JPEG map excerpts are embedded as they are, which is both faster
# and a third smaller.  Every PDF reader supports binary streams.
from reportlab import rl_config  # noqa: E402

rl_config.useA85 = 0


@dataclass
class Styles:
    font: str
    body: ParagraphStyle
    body_indent: ParagraphStyle
    title: ParagraphStyle
    authority: ParagraphStyle
    number: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    cell_right: ParagraphStyle
    caption: ParagraphStyle
    small: ParagraphStyle
    sign: ParagraphStyle
    title_font: str = ""
    heading_font: str = ""


def make_styles(config: dict) -> Styles:
    faces = register_document_fonts(config.get("font", {}))
    font = faces["body"]
    size = float(config.get("page", {}).get("body_size", 12))
    tsize = float(config.get("page", {}).get("table_size", 10))

    def ps(name, **kw) -> ParagraphStyle:
        base = dict(fontName=font, fontSize=size, leading=size * 1.75, wordWrap="CJK", alignment=TA_JUSTIFY)
        base.update(kw)
        return ParagraphStyle(name, **base)

    return Styles(
        font=font,
        body=ps("body"),
        body_indent=ps("body_indent", firstLineIndent=2 * size),
        title=ps("title", fontName=faces["title"], fontSize=20, leading=30, alignment=TA_CENTER,
                 spaceBefore=2 * mm, spaceAfter=2 * mm),
        authority=ps("authority", fontName=faces["title"], fontSize=16, leading=24, alignment=TA_CENTER,
                     textColor=colors.HexColor("#c00000")),
        number=ps("number", alignment=TA_CENTER, spaceAfter=3 * mm),
        heading=ps("heading", fontName=faces["heading"], fontSize=size + 1, leading=(size + 1) * 1.7,
                   spaceBefore=3 * mm, spaceAfter=1 * mm),
        cell=ps("cell", fontSize=tsize, leading=tsize * 1.35, alignment=TA_LEFT),
        cell_center=ps("cell_center", fontSize=tsize, leading=tsize * 1.35, alignment=TA_CENTER),
        cell_right=ps("cell_right", fontSize=tsize, leading=tsize * 1.35, alignment=TA_RIGHT),
        caption=ps("caption", fontSize=tsize, leading=tsize * 1.4, alignment=TA_CENTER),
        small=ps("small", fontSize=tsize - 1, leading=(tsize - 1) * 1.5, textColor=colors.HexColor("#333333")),
        sign=ps("sign", alignment=TA_RIGHT),
        title_font=faces["title"],
        heading_font=faces["heading"],
    )


@dataclass
class PageInfo:
    """What the header and footer print on every page."""

    font: str
    header_left: str
    header_right: str
    margins_mm: dict = field(default_factory=dict)
    pages: int = 0  # filled in when the document is saved


def numbered_canvas_class(info: PageInfo):
    """A canvas class that writes the header and "第 x 页 共 y 页" once the page total is known."""

    class NumberedCanvas(_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("pageCompression", 1)
            # no unembedded Helvetica in the page resources: start with the CJK font
            if not kwargs.get("initialFontName"):
                kwargs["initialFontName"] = info.font
            super().__init__(*args, **kwargs)
            self._page_states: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab API)
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._page_states)
            info.pages = total
            for index, state in enumerate(self._page_states, start=1):
                self.__dict__.update(state)
                self._decorate(index, total)
                super().showPage()
            super().save()

        def _decorate(self, page: int, total: int) -> None:
            width, height = A4
            m = info.margins_mm
            left, right = m.get("left", 26) * mm, width - m.get("right", 24) * mm
            top_line = height - (m.get("top", 30) - 8) * mm
            self.saveState()
            self.setFont(info.font, 9)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(left, top_line + 2 * mm, info.header_left)
            self.drawRightString(right, top_line + 2 * mm, info.header_right)
            self.setStrokeColor(colors.HexColor("#888888"))
            self.setLineWidth(0.5)
            self.line(left, top_line, right, top_line)
            self.setFont(info.font, 10)
            self.setFillColor(colors.black)
            self.drawCentredString(width / 2, (m.get("bottom", 25) - 12) * mm, f"第 {page} 页 共 {total} 页")
            self.restoreState()

    return NumberedCanvas


def make_doc(target, config: dict, title: str, author: str, subject: str = "",
             keywords: str = "") -> tuple[BaseDocTemplate, dict]:
    """An A4 document with one full-size frame inside the configured margins.

    Its metadata (PDF Info): ``title``, ``author`` (the issuing authority), ``subject``, ``keywords`` and the
    real creation date (reportlab's time stamp of now; ``invariant=0``).
    """
    page = config.get("page", {})
    margins = {k: float(page.get(k, d)) for k, d in (("top", 30), ("bottom", 25), ("left", 26), ("right", 24))}
    doc = BaseDocTemplate(
        target,
        pagesize=A4,
        leftMargin=margins["left"] * mm,
        rightMargin=margins["right"] * mm,
        topMargin=margins["top"] * mm,
        bottomMargin=margins["bottom"] * mm,
        title=title,
        author=author,
        subject=subject,
        keywords=keywords,
        creator="liangwei 两违一张图",
        invariant=0,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    return doc, margins
