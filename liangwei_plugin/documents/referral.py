"""移送函 (referral letter): a case another department is competent for goes to that department.

Only the competent authority issues a 责令 notice under its own name and number (DOMAIN.md,
"Provisions violated vs penalty provisions"); the bureau refers every other case: addressee = the
competent department (``[departments.<key>]`` of documents.toml), the facts with the overlay figures,
the map excerpts when rendered, the provisions violated and those the department acts on, and the
request to handle the case and reply.  Also here: how a batch of violations is split into notices,
referrals and the 待查明清单 (party unknown: investigated first, never numbered).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from ..csv_out import write_csv
from .model import NOTICE, PENDING, REFERRAL, DocumentInput
from .parts import PT, Letter, P, SignatureBlock, grid_table, jpeg_image
from .values import Optional, fill, m2_text, mu_text, text_value

PENDING_COLUMNS = ["patch_id", "location", "township", "area_m2", "determination", "rule_id", "violated",
                   "competent", "reason"]


def addressee(doc: DocumentInput, config: dict) -> str:
    """The competent department's name: documents.toml [departments.<key>] name, the township's government
    for township_government when the patch's township is known, else the determination's department name."""
    key = doc.competent_key()
    if key == "township_government" and doc.attr("XZQMC"):
        return f"{doc.attr('XZQMC')}人民政府"
    dept = config.get("departments", {}).get(key, {})
    return (dept.get("name") if isinstance(dept, dict) else "") or text_value(doc.attrs.get("competent")) or key


def overlay_text(doc: DocumentInput) -> str:
    """The overlay figures: the overlay's protected_summary, else its ``<layer>_m2`` fields, else the detail rows."""
    from ..determination import layer_name_of_field

    summary = text_value(doc.attrs.get("protected_summary"))
    layers = [f"{layer}{m2_text(doc.num(k))}平方米" for k in doc.attrs
              if (layer := layer_name_of_field(str(k))) and (doc.num(k) or 0) > 0]
    parts = [f"{r.get('class_name') or r.get('layer')}{m2_text(r.get('area_m2'))}平方米"
             for r in doc.detail if text_value(r.get("area_m2"))]
    return summary or "，".join(layers) or "，".join(parts) or "未涉及管控区、保护区"


def referral_values(doc: DocumentInput, config: dict) -> dict:
    from .notice import notice_values

    values = notice_values(doc, config)
    cfg = config.get("referral", {})
    values.update(
        addressee=addressee(doc, config),
        party_text=values["party"] if doc.attr("DSR") else cfg.get("party_unknown", "待查明"),
        reply_days=int(cfg.get("reply_days", 15)),
        overlay_text=overlay_text(doc),
        authority_short=config["authority"].get("short", ""),
    )
    return values


def build_referral(doc: DocumentInput, config: dict, target: str | BinaryIO) -> int:
    """Write the referral letter PDF to ``target``; returns its page count."""
    v = referral_values(doc, config)
    letter = Letter(doc, config, "referral", v, target)
    st, cfg, authority, pdf, story = letter.st, letter.cfg, letter.authority, letter.pdf, letter.story
    width = pdf.width
    story += [
        PT(cfg["intro"], v, st.body_indent),
        PT(cfg["facts"], v, st.body_indent),
        PT(cfg["overlay"], v, st.body_indent),
    ]
    rows = [[P(h, st.cell_center) for h in ("图层", "类别", "面积（㎡）", "面积（亩）")]]
    for r in doc.detail:
        rows.append([P(text_value(r.get("layer")), st.cell), P(text_value(r.get("class_name")), st.cell),
                     m2_text(r.get("area_m2")), mu_text(r.get("area_m2"))])
    if len(rows) > 1:
        t = grid_table(rows, [width * 0.30, width * 0.34, width * 0.18, width * 0.18], st)
        t.setStyle(TableStyle([("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("FONTSIZE", (0, 0), (-1, -1), st.cell.fontSize)]))
        story += [t, Spacer(1, 2 * mm)]
    m = doc.maps
    if m and (m.before or m.after):
        cells, caps = [], []
        for img, label, date in ((m.before, "前时相", m.before_date), (m.after, "后时相", m.after_date)):
            cells.append(jpeg_image(img, m.width_mm * 0.8, m.height_mm * 0.8) if img else P("（无影像）", st.caption))
            caps.append(P(f"{label}影像 {date or ''}".strip(), st.caption))
        it = Table([cells, caps], colWidths=[width / 2] * 2)
        it.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), st.font), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [KeepTogether([it]), Spacer(1, 2 * mm)]
    story += [
        PT(cfg["legal"], v, st.body_indent),
        PT(cfg["request"], v, st.body_indent),
        PT(cfg["attachments"], v, st.body_indent),
        P(f"联系人：{v['report_place']}，电话：{v['report_phone']}", st.small),
        KeepTogether([Spacer(1, 4 * mm), SignatureBlock(st.font, authority, v["date"],
                                                        config["authority"].get("seal_text", "（盖章）"))]),
    ]
    return letter.finish()


def split_violations(records: Sequence, config: dict) -> dict[str, list]:
    """Violations (PatchRecord-like: ``patch_id``, ``attrs``) by disposition: notice, referral, pending."""
    out: dict[str, list] = {NOTICE: [], REFERRAL: [], PENDING: []}
    for r in records:
        doc = DocumentInput(r.patch_id, r.attrs)
        if doc.violation:
            out[doc.disposition(config)].append(r)
    return out


def write_pending_list(records: Sequence, folder: str | Path, config: dict) -> Path:
    """The 待查明清单 (CSV, UTF-8 with BOM for Excel) of violations without a known party."""
    cfg = config.get("pending", {})
    path = Path(folder) / f"{cfg.get('file', '待查明清单')}.csv"
    rows = []
    for r in records:
        doc = DocumentInput(r.patch_id, r.attrs)
        v = doc.common_values()
        rows.append([r.patch_id, v["location"], v["township"], v["area_m2"], v["determination"], v["rule_id"],
                     v["violated"], text_value(r.attrs.get("competent")), "当事人待查明"])
    write_csv(path, PENDING_COLUMNS, rows)
    return path


def pending_note(config: dict, count: int) -> str:
    return fill("{title}：{count} 个图斑。{note}", {"title": config.get("pending", {}).get("title", "当事人待查明清单"),
                                                  "count": count,
                                                  "note": Optional(config.get("pending", {}).get("note", ""))})
