"""Flowables shared by the documents: signature block with room for the seal, new-sheet break, map figures, tables."""
from __future__ import annotations

import hashlib
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.platypus import Flowable, PageBreak, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import DocIf

from .layout import PageInfo, Styles, make_doc, make_styles, numbered_canvas_class

GRID = colors.HexColor("#555555")
HEAD_BG = colors.HexColor("#e8e8e8")


class SignatureBlock(Flowable):
    """Issuing authority (发文机关署名) and date (成文日期) at the right, with room above them for the seal.

    GB/T 9704-2012 7.3.5.1: the date is set right with four characters' space, the authority centred
    over it, and the real seal (公章, Ø 42 mm) is pressed over both so that they sit a little below
    its centre, its top within one line of the text above.  Nothing is printed in the seal's place:
    a printed circle or "（盖章）" on a document would look like a seal that is not there.
    ``seal_text`` is accepted for older callers and not printed.
    """

    SEAL_DIAMETER = 42 * mm

    def __init__(self, font: str, authority: str, date_text: str, seal_text: str | None = None, size: float = 12):
        super().__init__()
        self.font, self.authority, self.date_text = font, authority, date_text
        self.size = size
        self.seal_text = None  # never printed (see the class docstring)
        # the seal's centre a little above the authority's line, its top below the text above
        self.height = self.SEAL_DIAMETER / 2 + 2 * mm + 8 * mm + 6 * mm

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return self.width, self.height

    def draw(self):
        c = self.canv
        right = self.width - 4 * self.size  # 右空四字
        date_w = c.stringWidth(self.date_text, self.font, self.size)
        auth_w = c.stringWidth(self.authority, self.font, self.size)
        centre_x = right - date_w / 2
        if centre_x + auth_w / 2 > self.width:  # a long name: keep it inside the text block
            centre_x = self.width - auth_w / 2
        y_date = 6 * mm
        y_auth = y_date + 8 * mm
        c.saveState()
        c.setFillColor(colors.black)
        c.setFont(self.font, self.size)
        c.drawCentredString(centre_x, y_auth, self.authority)
        c.drawCentredString(centre_x, y_date, self.date_text)
        c.restoreState()


def blank_pages_for_duplex(pages: int) -> int:
    """Blank pages to add after a part of ``pages`` pages so that the next part starts on a new sheet
    (a front side) when printed double-sided: 1 after an odd page count, else 0."""
    return pages % 2


class NewSheet(DocIf):
    """A page break to the front of a new sheet, for duplex printing: where the part before ends on a
    front side (an odd page), one blank page follows so that the next part (a notice's 存根) is on a
    sheet of its own and can be torn off or filed apart.  Use it instead of ``PageBreak()``;
    ``blank`` is what the blank page shows (e.g. ``[P("（此页无正文）", st.caption)]``), nothing by default.
    The page parity is that of the whole PDF: a document starts on page 1.
    """

    def __init__(self, blank: list | None = None):
        Flowable.__init__(self)
        self.blank = list(blank or [])
        self.blocks = ([PageBreak()], [PageBreak(), *self.blank, PageBreak()])
        self.expr = ""

    def funcWrap(self, aW, aH):  # noqa: N802, N803 - reportlab API; decided at layout time, no expression
        return blank_pages_for_duplex(self.canv.getPageNumber()) == 1


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


class Letter:
    """What the letter-like documents (责令 notice, 听证告知书, 移送函) share: their styles, the PDF with its
    metadata and running header, and the opening (masthead and addressee line) in ``story``; append the
    body to ``story`` and call :meth:`finish`."""

    def __init__(self, doc, config: dict, section: str, values: dict, target):
        self.st = make_styles(config)
        self.cfg = config[section]
        self.authority = config["authority"]["name"]
        title = self.cfg["title"]
        self.pdf, margins = make_doc(target, config, f"{title} {doc.number}", self.authority)
        self.info = PageInfo(self.st.font, self.authority, f"{title}  {doc.number}".strip(), margins)
        self.story: list = [*masthead(self.authority, title, doc.number, self.st),
                            PT(self.cfg["addressee"], values, self.st.body)]

    def finish(self) -> int:
        """Build the PDF; its page count."""
        self.pdf.build(self.story, canvasmaker=numbered_canvas_class(self.info))
        return self.info.pages
