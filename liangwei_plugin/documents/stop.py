"""责令停止违法行为通知书 (order to stop the illegal act), issued at once for a case under construction.

A patch whose 建设状态 (JSZT) says the construction is going on (在建, 施工中 …) gets this order before the
determination runs its course: the facts, the provisions violated, and "依据〔stop provisions〕的规定，现责令
你（单位）立即停止…".  The stop provisions come from the rule table per party kind (``stop``: 土地管理法
第六十八条第（四）项 for land cases, 城乡规划法 第六十四条 / 第六十五条 for planning cases; the penalty
provisions where a rule names none).  Only the competent authority issues it (other departments' cases get
a 移送函 that says the construction is going on), only to a known party, numbered in its own series
("stop"), written to ``stop_orders/``, with a 送达回证 and a 存根 (counterfoil, ``[stop_order.counterfoil]``)
each on a sheet of its own.
"""
from __future__ import annotations

from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from .model import DocumentInput
from .notice import counterfoil, notice_values, served_line, service_receipt
from .parts import PT, Letter, P, SignatureBlock


def stop_values(doc: DocumentInput, config: dict) -> dict:
    """The placeholders of the [stop_order] templates: the notice's, plus {stop_basis} and {number}."""
    values = notice_values(doc, config, "stop")
    values["number"] = doc.number
    values["stop_basis"] = doc.stop_text()
    return values


def build_stop_order(doc: DocumentInput, config: dict, target: str | BinaryIO) -> int:
    """Write the order to stop (plus its 送达回证 and 存根 sheets) to ``target``; returns its page count."""
    v = stop_values(doc, config)
    letter = Letter(doc, config, "stop_order", v, target)
    st, cfg, authority, pdf, story = letter.st, letter.cfg, letter.authority, letter.pdf, letter.story
    story += [PT(cfg[key], v, st.body_indent) for key in ("facts", "provisions", "order", "report", "rights")
              if cfg.get(key)]
    story += [
        P(f"监测编号：{doc.patch_id}", st.small),
        *served_line(v, st),
        KeepTogether([Spacer(1, 4 * mm), SignatureBlock(st.font, authority, v["date"])]),
    ]
    story += service_receipt(cfg["title"], doc.number, v["party"], config, st, pdf.width)
    # 存根 on a sheet of its own, as the notice's: the order's number, party, facts and what was ordered
    cf = {"title": f"{cfg['title']}（存根）", **(cfg.get("counterfoil") or {})}
    story += counterfoil(doc, v, cf, authority, st, pdf.width,
                         {"责令事项": cfg.get("counterfoil_order", "立即停止违法行为，停止施工")})
    return letter.finish()
