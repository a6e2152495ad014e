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
    story.append(PT(cfg["legal"], v, st.body_indent))
    if cfg.get("in_construction") and doc.under_construction(config):
        story.append(PT(cfg["in_construction"], v, st.body_indent))
    story += [
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


def write_pending_pdf(records: Sequence, folder: str | Path, config: dict, issue_date=None) -> Path:
    """The 待查明清单 as a PDF to print and hand to the investigators: no document number (it is no
    document served on anyone), one row per patch with a blank column for what the check finds."""
    import datetime as _dt
    import os

    from .layout import PageInfo, make_doc, make_styles, numbered_canvas_class

    cfg = config.get("pending", {})
    path = Path(folder) / f"{cfg.get('file', '待查明清单')}.pdf"
    part = path.with_name(path.name + ".part")
    st = make_styles(config)
    authority = config["authority"]["name"]
    title = cfg.get("title", "当事人待查明清单")
    issue_date = issue_date or _dt.date.today()
    pdf, margins = make_doc(str(part), config, title, authority, subject=f"{len(records)} 个图斑当事人待查明")
    info = PageInfo(st.font, authority, title, margins)
    head = ["序号", "监测编号", "坐落", "面积（㎡/亩）", "涉嫌违反", "主管部门", "查明的当事人"]
    rows = [[P(h, st.cell_center) for h in head]]
    for i, r in enumerate(records, start=1):
        doc = DocumentInput(r.patch_id, r.attrs)
        v = doc.common_values()
        rows.append([str(i), P(r.patch_id, st.cell), P(v["location"], st.cell),
                     P(f"{v['area_m2']}\n（{v['area_mu']}亩）", st.cell_center), P(v["violated"], st.cell),
                     P(text_value(r.attrs.get("competent")), st.cell), ""])
    w = pdf.width
    widths = [w * f for f in (0.065, 0.18, 0.14, 0.13, 0.22, 0.11)]
    widths.append(w - sum(widths))
    t = grid_table(rows, widths, st)
    t.setStyle(TableStyle([("ALIGN", (0, 1), (0, -1), "CENTER"), ("FONTSIZE", (0, 0), (-1, -1), st.cell.fontSize),
                           ("TOPPADDING", (0, 1), (-1, -1), 6), ("BOTTOMPADDING", (0, 1), (-1, -1), 6)]))
    story = [P(authority, st.authority), P(title, st.title),
             P(fill("共{count}个图斑　{date}", {"count": len(records), "date": _date_text(issue_date)}), st.number)]
    if cfg.get("note"):
        story.append(P(cfg["note"], st.body_indent))
    story += [Spacer(1, 2 * mm), t, Spacer(1, 4 * mm),
              P("核查人：__________　　　　核查日期：______年____月____日", st.body)]
    pdf.build(story, canvasmaker=numbered_canvas_class(info))
    os.replace(part, path)
    return path


def _date_text(d) -> str:
    from .values import date_cn

    return date_cn(d)


def pending_note(config: dict, count: int) -> str:
    return fill("{title}：{count} 个图斑。{note}", {"title": config.get("pending", {}).get("title", "当事人待查明清单"),
                                                  "count": count,
                                                  "note": Optional(config.get("pending", {}).get("note", ""))})
