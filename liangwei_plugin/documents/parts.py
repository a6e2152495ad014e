"""Flowables shared by the documents: signature block with seal area, map figures, tables."""
from __future__ import annotations

import hashlib
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from .layout import Styles

GRID = colors.HexColor("#555555")
HEAD_BG = colors.HexColor("#e8e8e8")


class SignatureBlock(Flowable):
    """Issuing authority and date at the right, with a dashed circle where the seal goes (公章 Ø42 mm)."""

    def __init__(self, font: str, authority: str, date_text: str, seal_text: str = "（盖章）", size: float = 12):
        super().__init__()
        self.font, self.authority, self.date_text = font, authority, date_text
        self.seal_text, self.size = seal_text, size
        self.height = 48 * mm

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return self.width, self.height

    def draw(self):
        c = self.canv
        right = self.width - 8 * mm
        text_w = max(c.stringWidth(self.authority, self.font, self.size),
                     c.stringWidth(self.date_text, self.font, self.size))
        centre_x = right - text_w / 2
        y_auth = self.height - 24 * mm
        c.saveState()
        c.setStrokeColor(colors.HexColor("#c00000"))
        c.setDash(3, 2)
        c.setLineWidth(0.6)
        c.circle(centre_x, y_auth + 2 * mm, 21 * mm)
        c.setFillColor(colors.HexColor("#c00000"))
        c.setFont(self.font, 8)
        c.drawCentredString(centre_x, y_auth + 2 * mm + 14 * mm, self.seal_text)
        c.setFillColor(colors.black)
        c.setFont(self.font, self.size)
        c.drawCentredString(centre_x, y_auth, self.authority)
        c.drawCentredString(centre_x, y_auth - 8 * mm, self.date_text)
        c.restoreState()


class _JpegReader(ImageReader):
    """A JPEG for reportlab without decoding it: embedded as-is (DCTDecode).

    reportlab's own ImageReader decodes every image to RGB just to name it (an MD5 of the pixels);
    for map excerpts that was most of the time spent per page.
    """

    def __init__(self, data: bytes):  # noqa: D107 - ImageReader.__init__ would open it with PIL
        self._data = data
        self.fp = BytesIO(data)
        width, height = readJPEGInfo(self.fp)[:2]
        self.fp.seek(0)
        self._width, self._height = width, height
        self.fileName = f"jpeg-{hashlib.md5(data, usedforsecurity=False).hexdigest()}"  # reportlab's image cache key
        self._image = None
        self._dataA = None
        self._transparent = None
        self.mode = "RGB"

    def getRGBData(self):  # noqa: N802 - used by reportlab only to name the image
        return self._data

    def jpeg_fh(self):
        self.fp.seek(0)
        return self.fp

    def getSize(self):  # noqa: N802
        return self._width, self._height

    def getTransparent(self):  # noqa: N802
        return None


class JpegImage(Flowable):
    def __init__(self, data: bytes, width: float, height: float):
        super().__init__()
        self.reader = _JpegReader(data)
        self.width, self.height = width, height

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height)


def jpeg_image(data: bytes, width_mm: float, height_mm: float) -> Flowable:
    return JpegImage(data, width_mm * mm, height_mm * mm)


def grid_table(rows, col_widths, styles: Styles, header_rows: int = 1, align_right_from: int | None = None,
               zebra: bool = False) -> Table:
    """A table of Paragraph cells (CJK wrapping) that splits across pages repeating its header rows."""
    table = Table(rows, colWidths=col_widths, repeatRows=header_rows, splitByRow=1, hAlign="CENTER")
    cmds = [
        ("FONT", (0, 0), (-1, -1), styles.font),  # the table's own default is Helvetica (not embedded)
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header_rows:
        cmds.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG))
    if zebra:
        for r in range(header_rows, len(rows)):
            if (r - header_rows) % 2 == 1:
                cmds.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f7f7f7")))
    table.setStyle(TableStyle(cmds))
    return table


def P(text: str, style) -> Paragraph:  # noqa: N802 - short helper used in table rows
    """A paragraph from plain text (escaped: ids and names may contain '<' or '&')."""
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def masthead(authority: str, title: str, number: str, st) -> list[Paragraph]:
    """The head of a document page: issuing authority, document title, document number (文号)."""
    return [P(authority, st.authority), P(title, st.title), P(number, st.number)]


def PT(template: str, values: dict, style) -> Paragraph:  # noqa: N802
    """A paragraph from a configured template, its values escaped (templates themselves may use markup)."""
    from xml.sax.saxutils import escape

    from .values import Optional, fill

    def esc(v):
        if isinstance(v, Optional):
            return Optional(escape(v))
        return escape(v) if isinstance(v, str) else v

    return Paragraph(fill(template, {k: esc(v) for k, v in values.items()}), style)
