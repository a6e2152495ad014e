"""听证告知书 / 行政处罚事先告知书 (hearing notice), issued and served BEFORE a 限期拆除 order.

It states the facts, the provisions violated, the intended measure with its penalty provision, and the
party's right to state and defend and to ask for a hearing within ``hearing_request_days`` of service
(行政处罚法 第四十四条、第六十四条 — *check*).  Numbered in its own series ("hearing"); the 责令 notice
then refers to its number instead of embedding a hearing paragraph.  A 送达回证 follows on its own sheet.
"""
from __future__ import annotations

from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from .model import DocumentInput
from .notice import notice_values, served_line, service_receipt
from .parts import PT, Letter, P, SignatureBlock


def hearing_values(doc: DocumentInput, config: dict) -> dict:
    values = notice_values(doc, config, "hearing")
    values["number"] = doc.number
    return values


def build_hearing(doc: DocumentInput, config: dict, target: str | BinaryIO) -> int:
    """Write the hearing notice PDF (plus its 送达回证 sheet) to ``target``; returns its page count."""
    v = hearing_values(doc, config)
    letter = Letter(doc, config, "hearing", v, target)
    st, cfg, authority, pdf, story = letter.st, letter.cfg, letter.authority, letter.pdf, letter.story
    story += [
        PT(cfg["facts"], v, st.body_indent),
        PT(cfg["provisions"], v, st.body_indent),
        PT(cfg["intended"], v, st.body_indent),
        PT(cfg["rights"], v, st.body_indent),
        PT(cfg["where"], v, st.body_indent),
        P(f"监测编号：{doc.patch_id}", st.small),
        *served_line(v, st),
        KeepTogether([Spacer(1, 4 * mm), SignatureBlock(st.font, authority, v["date"])]),
    ]
    story += service_receipt(cfg["title"], doc.number, v["party"], config, st, pdf.width)
    return letter.finish()
