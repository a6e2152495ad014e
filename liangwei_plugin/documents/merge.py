"""The merged PDF of a batch (合并 PDF): the documents' own PDFs concatenated.

The documents are reportlab output: classic cross-reference tables, objects written one after the
other, a flat page tree.  Such files are concatenated by copying their objects byte for byte with
new object numbers and one new page tree, about twenty times faster than parsing every object with
pypdf (for 1,000 reports with map excerpts: under a second instead of 8 s in the main process).
Anything else (cross-reference streams, incremental updates, encryption, nested page trees,
inherited page attributes, outlines or forms) is merged with pypdf, or poppler's pdfunite.

The merged PDF has one bookmark (outline entry) per document, titled with the document's own PDF
title (reportlab's Info /Title: document, number, patch) or else its file name, and opens with the
bookmarks shown; its own Info gives the merged file's name as title, the documents' common author
(the issuing authority) and the time of merging.  pdfunite, the last resort, adds no bookmarks.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import shutil
import subprocess  # nosec B404  # only pdfunite below: argument list, no shell
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

_HEADER = re.compile(rb"%PDF-(\d)\.(\d)")
_OBJ = re.compile(rb"\s*(\d+)\s+0\s+obj\b")
_REF = re.compile(rb"(\d+)\s+(\d+)\s+R\b")
_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_XREF_SECTION = re.compile(rb"(\d+)\s+(\d+)\s*(?:\r\n|\n|\r)")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_PARENT = re.compile(rb"/Parent\s+\d+\s+0\s+R")
_NEW_TREE = b"@liangwei-page-tree@"   # placeholder for the merged page tree's reference (object 1)


class NotSimple(ValueError):
    """A PDF this module does not concatenate itself (pypdf does)."""


class _Parsed:
    __slots__ = ("version", "objects", "pages", "info")

    def __init__(self, version: tuple[int, int], objects: list[tuple[int, bytes, bytes]], pages: list[int],
                 info: dict[str, str] | None = None):
        self.version, self.objects, self.pages = version, objects, pages
        self.info = info or {}


_INFO_STRING = re.compile(rb"/([A-Za-z]+)\s*(\(|<(?!<))")
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    """The bytes of the literal string whose content starts at ``pos`` (after its "("), and the position after it."""
    out = bytearray()
    depth = 1
    while pos < len(data):
        c = data[pos]
        pos += 1
        if c == 0x5C:  # backslash
            e = data[pos]
            pos += 1
            if e in _ESCAPES:
                out += _ESCAPES[e]
            elif 0x30 <= e <= 0x37:
                digits = bytes([e])
                while len(digits) < 3 and pos < len(data) and 0x30 <= data[pos] <= 0x37:
                    digits += data[pos:pos + 1]
                    pos += 1
                out.append(int(digits, 8) & 0xFF)
            elif e in (0x0A, 0x0D):  # line continuation
                if e == 0x0D and data[pos:pos + 1] == b"\n":
                    pos += 1
            else:
                out.append(e)
        elif c == 0x28:
            depth += 1
            out.append(c)
        elif c == 0x29:
            depth -= 1
            if not depth:
                return bytes(out), pos
            out.append(c)
        else:
            out.append(c)
    raise NotSimple("unterminated string")


def _text_string(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    return raw.decode("latin-1")


def _info_strings(body: bytes) -> dict[str, str]:
    """The text strings of an Info dictionary (Title, Author …)."""
    out: dict[str, str] = {}
    pos = 0
    while True:
        m = _INFO_STRING.search(body, pos)
        if not m:
            return out
        if m.group(2) == b"(":
            raw, pos = _literal(body, m.end())
        else:
            end = body.find(b">", m.end())
            if end < 0:
                raise NotSimple("unterminated hex string")
            digits = re.sub(rb"\s", b"", body[m.end():end])
            raw = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
            pos = end + 1
        out[m.group(1).decode("ascii")] = _text_string(raw)


def _pdf_text(text: str) -> bytes:
    """A PDF text string (UTF-16BE with its byte-order mark, hex: nothing to escape)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _pdf_date(when: _dt.datetime) -> bytes:
    when = when.astimezone()
    offset = when.utcoffset() or _dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"(D:{when:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}')".encode("ascii")


def _dict_of(body: bytes) -> bytes:
    """The dictionary part of an object body (before ``stream``), where references live."""
    m = _STREAM.search(body)
    return body[: m.start() + 2] if m else body


def _parse(data: bytes) -> _Parsed:
    m = _HEADER.match(data)
    if not m:
        raise NotSimple("no PDF header")
    version = (int(m.group(1)), int(m.group(2)))
    at = data.rfind(b"startxref")
    if at < 0:
        raise NotSimple("no startxref")
    xref_at = int(data[at + 9:].split(None, 1)[0])
    if data[xref_at:xref_at + 4] != b"xref":
        raise NotSimple("cross-reference stream")
    trailer_at = data.find(b"trailer", xref_at)
    if trailer_at < 0:
        raise NotSimple("no trailer")
    trailer = data[trailer_at:at]
    if b"/Prev" in trailer or b"/Encrypt" in trailer:
        raise NotSimple("incremental update or encryption")
    root = re.search(rb"/Root\s+(\d+)\s+0\s+R", trailer)
    if not root:
        raise NotSimple("no /Root")
    info = re.search(rb"/Info\s+(\d+)\s+0\s+R", trailer)
    # cross-reference table: subsections "first count" then 20-byte entries
    offsets: dict[int, int] = {}
    pos = xref_at + 4
    while True:
        while data[pos:pos + 1] in (b" ", b"\r", b"\n"):
            pos += 1
        if data.startswith(b"trailer", pos):
            break
        sec = _XREF_SECTION.match(data, pos)
        if not sec:
            raise NotSimple("bad cross-reference table")
        first, count = int(sec.group(1)), int(sec.group(2))
        pos = sec.end()
        for k in range(count):
            e = _XREF_ENTRY.match(data, pos)
            if not e:
                raise NotSimple("bad cross-reference entry")
            pos = e.end()
            while data[pos:pos + 1] in (b" ", b"\r", b"\n"):
                pos += 1
            if e.group(3) == b"n":
                if e.group(2) != b"00000":
                    raise NotSimple("object generation > 0")
                offsets[first + k] = int(e.group(1))
    ordered = sorted((off, num) for num, off in offsets.items())
    bodies: dict[int, bytes] = {}
    for i, (off, num) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else xref_at
        chunk = data[off:end]
        head = _OBJ.match(chunk)
        if not head or int(head.group(1)) != num:
            raise NotSimple(f"object {num} not where the table says")
        bodies[num] = chunk[head.end():]
    root_id = int(root.group(1))
    catalog = _dict_of(bodies.get(root_id, b""))
    refs = _REF.findall(catalog)
    pages_ref = re.search(rb"/Pages\s+(\d+)\s+0\s+R", catalog)
    if not pages_ref or len(refs) != 1:
        raise NotSimple("catalog with outlines, names or forms")
    pages_id = int(pages_ref.group(1))
    tree = _dict_of(bodies.get(pages_id, b""))
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", tree)
    if not kids:
        raise NotSimple("no /Kids")
    rest = re.sub(rb"/Kids\s*\[[^\]]*\]|/Count\s+\d+|/Type\s*/Pages|<<|>>|\s", b"", tree.split(b"endobj")[0])
    if rest:
        raise NotSimple("inherited page attributes")
    pages = [int(k) for k, _ in _REF.findall(kids.group(1))]
    skip = {root_id, pages_id} | ({int(info.group(1))} if info else set())
    objects = []
    for num in sorted(bodies):
        if num in skip:
            continue
        body = bodies[num]
        head = _dict_of(body)
        if num in pages:
            if b"/Type /Pages" in head or b"/Type/Pages" in head:
                raise NotSimple("nested page tree")
            head = _PARENT.sub(b"/Parent " + _NEW_TREE, head)
        elif b"(" in head:
            # a literal string could hold text looking like a reference: leave it to pypdf
            raise NotSimple("literal string in an object dictionary")
        objects.append((num, head, body[len(_dict_of(body)):]))
    info_strings = _info_strings(bodies[int(info.group(1))].split(b"endobj")[0]) if info else {}
    return _Parsed(version, objects, pages, info_strings)


def _concatenate(paths: Sequence[Path], out: BinaryIO, title: str = "") -> int:
    """Write the concatenation of ``paths`` to ``out``, one bookmark per document; returns the page count.
    Raises NotSimple."""
    parsed = []
    for p in paths:
        with open(p, "rb") as f:
            parsed.append(_parse(f.read()))
    version = max((x.version for x in parsed), default=(1, 4))
    out.write(b"%%PDF-%d.%d\n%%\x93\x8c\x8b\x9e liangwei\n" % version)
    pos = out.tell()
    offsets: list[int] = [0, 0, 0]   # object 0 (free), 1 page tree, 2 catalog
    kids: list[int] = []
    firsts: list[int | None] = []   # each document's first page in the merged PDF
    next_id = 3
    for x in parsed:
        mapping = {}
        for num, _, _ in x.objects:
            mapping[num] = next_id
            next_id += 1

        def renumber(m: re.Match, mapping: dict = mapping) -> bytes:   # this part's mapping, used at once
            new = mapping.get(int(m.group(1)))
            if new is None or m.group(2) != b"0":
                raise NotSimple(f"reference to a dropped object {m.group(1).decode()}")
            return b"%d 0 R" % new

        for num, head, tail in x.objects:
            head = _REF.sub(renumber, head).replace(_NEW_TREE, b"1 0 R")
            chunk = b"%d 0 obj" % mapping[num] + head + tail
            offsets.append(pos)
            out.write(chunk)
            pos += len(chunk)
        kids.extend(mapping[k] for k in x.pages)
        firsts.append(mapping[x.pages[0]] if x.pages else None)
    pages = b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids))
    marks = [(bookmark_title(x.info, p), first) for x, p, first in zip(parsed, paths, firsts) if first is not None]
    outlines_id = next_id
    item_ids = list(range(outlines_id + 1, outlines_id + 1 + len(marks)))
    info_id = outlines_id + 1 + len(marks)
    catalog = b"<< /Type /Catalog /Pages 1 0 R >>"
    extra: list[bytes] = []
    if marks:
        catalog = b"<< /Type /Catalog /Pages 1 0 R /Outlines %d 0 R /PageMode /UseOutlines >>" % outlines_id
        extra.append(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
                     % (item_ids[0], item_ids[-1], len(marks)))
        for k, (text, first) in enumerate(marks):
            links = b"".join((b" /Prev %d 0 R" % item_ids[k - 1] if k else b"",
                              b" /Next %d 0 R" % item_ids[k + 1] if k + 1 < len(marks) else b""))
            extra.append(b"<< /Title %s /Parent %d 0 R%s /Dest [ %d 0 R /XYZ null null null ] >>"
                         % (_pdf_text(text), outlines_id, links, first))
    else:
        info_id = outlines_id
    extra.append(_merged_info([x.info for x in parsed], title))
    for obj_id, text in ((1, pages), (2, catalog)):
        chunk = b"%d 0 obj\n" % obj_id + text + b"\nendobj\n"
        offsets[obj_id] = pos
        out.write(chunk)
        pos += len(chunk)
    for obj_id, text in enumerate(extra, start=outlines_id):
        chunk = b"%d 0 obj\n" % obj_id + text + b"\nendobj\n"
        offsets.append(pos)
        out.write(chunk)
        pos += len(chunk)
    # the trailer /ID of the merged PDF (an identifier, not a security hash)
    ident = hashlib.md5(b"".join(str(p).encode("utf-8") for p in paths), usedforsecurity=False).hexdigest().encode()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % len(offsets))
    out.write(b"".join(b"%010d 00000 n \n" % off for off in offsets[1:]))
    out.write(b"trailer\n<< /Size %d /Root 2 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(offsets), info_id, ident, ident, pos))
    return len(kids)


def bookmark_title(info: dict[str, str], path: Path) -> str:
    """A document's bookmark in the merged PDF: its PDF title, else its file name."""
    return (info.get("Title") or "").strip() or Path(path).stem


def _common_author(infos: list[dict[str, str]]) -> str:
    authors = {(i.get("Author") or "").strip() for i in infos}
    return authors.pop() if len(authors) == 1 else ""


def _merged_info(infos: list[dict[str, str]], title: str) -> bytes:
    fields = [(b"Title", title), (b"Author", _common_author(infos)), (b"Creator", "liangwei 两违一张图")]
    body = b"".join(b" /%s %s" % (k, _pdf_text(v)) for k, v in fields if v)
    now = _pdf_date(_dt.datetime.now())
    return b"<<%s /CreationDate %s /ModDate %s >>" % (body, now, now)


def merge_pdfs(paths: Sequence[Path], target: Path) -> None:
    """Concatenate PDFs into ``target`` (written as ``.part`` and renamed when complete), with one bookmark
    per document."""
    target = Path(target)
    part = target.with_name(target.name + ".part")
    if part.exists():
        part.unlink()
    try:
        with open(part, "wb") as f:
            _concatenate([Path(p) for p in paths], f, target.stem)
    except NotSimple:
        _merge_generic(paths, part, target.stem)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)


def _merge_generic(paths: Sequence[Path], part: Path, title: str = "") -> None:
    """Any PDFs: pypdf (one bookmark per document), else poppler's pdfunite (no bookmarks)."""
    try:
        from pypdf import PdfWriter
    except ImportError:
        tool = shutil.which("pdfunite")
        if not tool:
            raise RuntimeError(
                "合并 PDF 需要 Python 包 pypdf（pip install pypdf）或 poppler-utils 的 pdfunite") from None
        if len(paths) == 1:
            shutil.copyfile(paths[0], part)
        else:
            # pdfunite from PATH, the PDFs' paths as separate arguments, no shell
            subprocess.run([tool, *map(str, paths), str(part)], check=True, capture_output=True)  # nosec B603
        return
    from pypdf import PdfReader

    writer = PdfWriter()
    infos = []
    for p in paths:
        reader = PdfReader(str(p))
        meta = reader.metadata or {}
        info = {k.lstrip("/"): str(v) for k, v in meta.items() if isinstance(v, str)}
        infos.append(info)
        writer.append(reader, outline_item=bookmark_title(info, Path(p)), import_outline=False)
    writer.page_mode = "/UseOutlines"
    meta = {"/Title": title, "/Author": _common_author(infos), "/Creator": "liangwei 两违一张图",
            "/CreationDate": _pdf_date(_dt.datetime.now()).decode("ascii")[1:-1]}
    writer.add_metadata({k: v for k, v in meta.items() if v})
    with open(part, "wb") as f:
        writer.write(f)
