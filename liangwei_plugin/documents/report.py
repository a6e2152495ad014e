"""规划认定意见书 (planning-opinion report) of one patch, built with reportlab."""
from __future__ import annotations

import re
from typing import Any, BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer, Table, TableStyle

from .layout import PageInfo, make_doc, make_styles, numbered_canvas_class
from .model import DocumentInput
from .parts import HEAD_BG, PT, P, SignatureBlock, grid_table, jpeg_image, masthead
from .values import (
    Optional,
    apportion,
    fill,
    m2_text,
    mu_exact,
    mu_text,
    mu_value,
    number_value,
    round_half_up,
    share_text,
    text_value,
)

# Overlay-output area fields that are not per-protected-layer fields.
_STANDARD_AREA_FIELDS = {"area_m2", "farmland_m2", "construction_m2", "agricultural_m2", "unused_m2"}


def protected_area_fields(attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, layer name) of the per-protected-layer area fields of an overlay record (``生态保护红线_m2``)."""
    out = []
    for name in attrs:
        if name.endswith("_m2") and name not in _STANDARD_AREA_FIELDS and not name.startswith("fid"):
            out.append((name, name[:-3]))
    return out


def summary_rows(doc: DocumentInput) -> list[tuple[str, float | None]]:
    """面积汇总: total, 耕地, the 三大类, and each protected layer."""
    rows = [("监测图斑面积", doc.num("area_m2")), ("其中：耕地", doc.num("farmland_m2")),
            ("农用地", doc.num("agricultural_m2")), ("建设用地", doc.num("construction_m2")),
            ("未利用地", doc.num("unused_m2"))]
    for field_name, layer in protected_area_fields(doc.attrs):
        rows.append((f"涉及{layer}", doc.num(field_name)))
    return rows


# GEOS validity reasons (as the overlay engine quotes them) in the words of a document.
_GEOS_REASONS = {
    "Ring Self-intersection": "边界环自相交", "Self-intersection": "边界自相交", "Too few points": "顶点过少",
    "Duplicate Rings": "边界环重复", "Hole lies outside shell": "内环位于外环之外", "Nested holes": "内环相互嵌套",
    "Interior is disconnected": "内部不连通", "Nested shells": "外环相互嵌套", "Ring is not closed": "边界环未闭合",
    "Invalid Coordinate": "坐标无效", "Self-touching ring forming hole": "边界环自接触形成内环",
}
_GEOS_AT = re.compile(r"\[\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\]")


def repair_text(note: str) -> str:
    """The overlay's geometry repair note in plain Chinese: GEOS reasons translated, the location
    rounded to centimetres ("Self-intersection[39474560.3091924 2747470.35831393]" becomes
    "边界自相交，位置 X=39474560.31，Y=2747470.36")."""
    if not note:
        return ""
    for english in sorted(_GEOS_REASONS, key=len, reverse=True):
        note = note.replace(english, _GEOS_REASONS[english])
    note = _GEOS_AT.sub(lambda m: f"，位置 X={float(m.group(1)):.2f}，Y={float(m.group(2)):.2f}", note)
    return note.replace("已用 make_valid 修复", "已自动修复").replace("make_valid", "自动修复")


# Class rows whose exact sum is this close to the total (㎡) cover it: their printed figures are made to add
# up to the printed total.  A larger difference is a real gap or overlap in the layer and is stated.
COVER_TOLERANCE_M2 = 0.005

# Where the approval (用地批准) of a lawful patch is read from when documents.toml names no fields.
APPROVAL_FIELDS = ("PZWH", "批准文号", "用地批准文号", "YDPZWH", "PZWJH", "农转用批准文号", "PZWH_YD")
APPROVAL_AREA_FIELDS = ("PZMJ", "批准面积", "用地批准面积", "YDPZMJ", "PZYDMJ")
_AREA_UNITS = {"m2": 1, "㎡": 1, "mu": 10000 / 15, "亩": 10000 / 15, "ha": 10000, "公顷": 10000}


class ClassFigures:
    """The printed ㎡ and 亩 of class rows that make up a total, and the note to print under them (if any).

    With ``largest_remainder`` (the default) the rows are rounded so that they add up to the printed
    total, ㎡ and 亩 each; otherwise each row is rounded half-up on its own and a 尾差 note says by how
    much their sum misses the total.  Rows that do not cover the total (a gap or overlap in the layer)
    add up to their own printed sum and the note gives the difference.
    """

    def __init__(self, areas: list, total, cfg: dict, rows_label: str, total_label: str):
        exact = [number_value(a) for a in areas]
        known = bool(exact) and all(a is not None for a in exact)
        self.notes: list[str] = []
        self.m2 = [m2_text(a) for a in areas]
        self.mu = [mu_text(a) for a in areas]
        self.total = total
        if not known:
            return
        rows_sum = sum(exact)
        covered = total is not None and abs(rows_sum - total) < COVER_TOLERANCE_M2
        target = total if covered else rows_sum
        self.total = target
        values = {"rows": rows_label, "total_label": total_label}
        if total is not None and not covered:
            values.update(sum_m2=m2_text(rows_sum), sum_mu=mu_text(rows_sum), total_m2=m2_text(total),
                          diff_m2=_signed(round_half_up(rows_sum) - round_half_up(total)))
            self.notes.append(fill(cfg.get("coverage_note", ""), values))
        if cfg.get("largest_remainder", True):
            m2 = apportion(exact, target)
            mu = apportion([mu_exact(a) for a in exact], mu_exact(target))
            if m2 is not None and mu is not None:
                self.m2, self.mu = [f"{d:.2f}" for d in m2], [f"{d:.2f}" for d in mu]
                return
        diff_m2 = sum(round_half_up(a) for a in exact) - round_half_up(target)
        diff_mu = sum(mu_value(a) for a in exact) - mu_value(target)
        if diff_m2 or diff_mu:
            values.update(diff_m2=_signed(diff_m2), diff_mu=_signed(diff_mu), total_m2=m2_text(target),
                          total_mu=mu_text(target))
            self.notes.append(fill(cfg.get("tail_note", ""), values))


def _signed(d) -> str:
    return f"{d:+.2f}"


def jcmj_texts(doc: DocumentInput) -> tuple[str, str] | None:
    """监测面积 (JCMJ, the official area of the monitoring patch) and its difference from the computed area:
    ("1234.50 ㎡（1.85 亩）", "+0.12 ㎡（+0.01%）"); None when the patch has no JCMJ."""
    jcmj = number_value(doc.attr("JCMJ"))
    if jcmj is None:
        return None
    official = f"{m2_text(jcmj)} ㎡（{mu_text(jcmj)} 亩）"
    area = doc.num("area_m2")
    if area is None:
        return official, ""
    diff = round_half_up(area) - round_half_up(jcmj)  # of the printed figures: a reader can check it
    pct = f"{round_half_up(diff / round_half_up(jcmj) * 100):+.2f}%" if round_half_up(jcmj) else "—"
    return official, f"{_signed(diff)} ㎡（{pct}）"


def _first(doc: DocumentInput, names) -> str:
    for name in names:
        value = doc.attr(name)
        if value:
            return value
    return ""


def approval_values(doc: DocumentInput, cfg: dict) -> dict | None:
    """The land-use approval of a patch (批准文号 and, where a field has it, 批准面积), None without one."""
    number = _first(doc, cfg.get("approval_fields") or APPROVAL_FIELDS)
    if not number:
        return None
    values = {"approval_number": number, "approval_area_clause": Optional("")}
    approved = number_value(_first(doc, cfg.get("approval_area_fields") or APPROVAL_AREA_FIELDS))
    if approved is not None:
        approved *= _AREA_UNITS.get(str(cfg.get("approval_area_unit", "m2")), 1)
        values.update(approval_m2=m2_text(approved), approval_mu=mu_text(approved))
        clause = fill(cfg.get("approval_area", ""), values)
        area = doc.num("area_m2")
        if area is not None and round_half_up(area) > round_half_up(approved):
            values["excess_m2"] = m2_text(round_half_up(area) - round_half_up(approved))
            clause += fill(cfg.get("approval_excess", ""), values)
        values["approval_area_clause"] = Optional(clause)
    return values


def _detail_sorted(doc: DocumentInput) -> list[dict]:
    rows = list(doc.detail)
    landuse = doc.landuse_layer

    def key(r):
        layer = text_value(r.get("layer"))
        first = 0 if (landuse and layer == landuse) else 1
        return (first, layer, text_value(r.get("class_code")))

    return sorted(rows, key=key)


def _by_layer(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    """Consecutive rows of the same layer (the rows come sorted by layer)."""
    out: list[tuple[str, list[dict]]] = []
    for r in rows:
        layer = text_value(r.get("layer"))
        if out and out[-1][0] == layer:
            out[-1][1].append(r)
        else:
            out.append((layer, [r]))
    return out


def report_values(doc: DocumentInput, config: dict) -> dict:
    """The placeholders of the report's templates (approval ones: ``approval_values``)."""
    values = doc.common_values()
    values["authority"] = config["authority"]["name"]
    values["consequence_text"] = values["consequence"] or ("依法处理" if doc.violation else "")
    return values


def build_report(doc: DocumentInput, config: dict, target: str | BinaryIO) -> int:
    """Write the report PDF to ``target`` (path or binary file); returns its page count."""
    st = make_styles(config)
    cfg = config["report"]
    authority = config["authority"]["name"]
    values = report_values(doc, config)

    title = " ".join(x for x in (cfg["title"], doc.number, doc.patch_id) if x)
    subject = f"监测图斑 {doc.patch_id} 的规划认定意见"
    if values["determination"]:
        subject += f"：{values['determination']}"
    pdf, margins = make_doc(target, config, title, authority, subject=subject,
                            keywords=", ".join(x for x in (doc.patch_id, doc.number, values["township"]) if x))
    info = PageInfo(st.font, authority, f"{cfg['title']}  {doc.number}".strip(), margins)
    width = pdf.width
    story: list = [
        *masthead(authority, cfg["title"], doc.number, st),
        PT(cfg["intro"], values, st.body_indent),
    ]

    # 一、图斑基本情况
    c = doc.centroid
    if c is None:
        coord = "（无几何）"
    elif c.geographic:
        coord = f"经度 {c.x:.6f}°，纬度 {c.y:.6f}°（{c.crs}）"
    else:
        coord = f"X={c.x:.2f}，Y={c.y:.2f}（{c.crs}）"
        if c.lon is not None:
            coord += f"；经度 {c.lon:.6f}°，纬度 {c.lat:.6f}°（CGCS2000）"
    qsx, hsx = doc.epoch_dates()
    nd, qs = doc.attr("ND"), doc.attr("QS")
    info_rows = [
        ("监测编号", doc.patch_id, "图斑类型", doc.attr("TBLX")),
        ("行政区", " ".join(x for x in (doc.attr("XZQDM"), doc.attr("XZQMC")) if x), "年度/期数",
         "/".join(x for x in (nd, qs) if x)),
        ("坐落", values["location"], "当事人", values["party"] or "（待查明）"),
        ("前时相", qsx, "后时相", hsx),
        ("计算面积", f"{values['area_m2']} ㎡（{values['area_mu']} 亩）", "面积算法", values["area_method"]),
    ]
    jcmj = jcmj_texts(doc)
    if jcmj:
        info_rows.append(("监测面积", jcmj[0], "计算减监测", jcmj[1]))
    info_rows.append(("中心点坐标", coord, "", ""))
    rows = []
    for a, b, cc, d in info_rows:
        rows.append([P(a, st.cell_center), P(b, st.cell), P(cc, st.cell_center), P(d, st.cell)])
    t = grid_table(rows, [22 * mm, width / 2 - 22 * mm, 22 * mm, width / 2 - 22 * mm], st, header_rows=0)
    # the coordinates row spans columns 1-3: no label shading behind its text
    t.setStyle(TableStyle([("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)), ("BACKGROUND", (0, 0), (0, -1), "#f0f0f0"),
                           ("BACKGROUND", (2, 0), (2, -2), "#f0f0f0")]))
    story += [P("一、图斑基本情况", st.heading), t]

    # 二、影像对比与位置示意
    m = doc.maps
    if m and (m.before or m.after or m.location):
        story.append(CondPageBreak(m.height_mm * mm + 30 * mm))
        story.append(P("二、影像对比与位置示意", st.heading))
        if m.before or m.after:
            cells, caps = [], []
            for img, label, name in ((m.before, "前时相", m.before_date), (m.after, "后时相", m.after_date)):
                cells.append(jpeg_image(img, m.width_mm, m.height_mm) if img else P("（无影像）", st.caption))
                caps.append(P(f"{label}影像 {name or ''}（红线为监测图斑范围）".strip(), st.caption))
            gap = max(0.0, (width - 2 * m.width_mm * mm) / 2)
            it = Table([cells, caps], colWidths=[m.width_mm * mm + gap] * 2)
            it.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), st.font), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
            story.append(it)
        if m.location:
            story.append(Spacer(1, 2 * mm))
            story.append(KeepTogether([
                jpeg_image(m.location, m.location_width_mm, m.location_height_mm),
                P("位置示意图（国土空间规划分区与保护区范围）", st.caption),
            ]))

    # 三、叠加分析结果
    story.append(CondPageBreak(40 * mm))
    story.append(P("三、叠加分析结果", st.heading))
    head = [P(h, st.cell_center) for h in ("项目", "面积（㎡）", "面积（亩）", "占图斑面积比例")]
    total = doc.num("area_m2")
    srows = [head]
    sums = summary_rows(doc)
    # the 三大类 rows (农用地, 建设用地, 未利用地) add up to the patch's area
    classes = ClassFigures([a for _, a in sums[2:5]], total, cfg, "农用地、建设用地、未利用地面积", "监测图斑面积")
    for i, (label, area) in enumerate(sums):
        share = (area / total) if (area is not None and total) else None
        m2, mu = (classes.m2[i - 2], classes.mu[i - 2]) if 2 <= i < 5 else (m2_text(area), mu_text(area))
        # numbers as plain strings (no wrapping needed, much cheaper than Paragraphs)
        srows.append([P(label, st.cell), m2, mu, share_text(share) if share is not None else ""])
    t = grid_table(srows, [width * 0.40, width * 0.20, width * 0.18, width * 0.22], st)
    t.setStyle(TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("FONTSIZE", (0, 0), (-1, -1), st.cell.fontSize)]))
    story.append(t)
    story += [P(note, st.small) for note in classes.notes]
    detail = _detail_sorted(doc)
    if detail:
        story.append(Spacer(1, 3 * mm))
        story.append(P("分类明细（地类图斑及各保护区图层）：", st.body))
        head = [P(h, st.cell_center) for h in ("序号", "图层", "编码", "类别名称", "面积（㎡）", "面积（亩）", "占比")]
        drows, subtotal_rows, notes = [head], [], []
        layer_totals = {layer: doc.num(name) for name, layer in protected_area_fields(doc.attrs)}
        n = 0
        for layer, rows in _by_layer(detail):
            is_landuse = bool(doc.landuse_layer) and layer == doc.landuse_layer
            layer_total = total if is_landuse else layer_totals.get(layer)
            figures = ClassFigures([r.get("area_m2") for r in rows], layer_total, cfg, f"{layer}各类别面积",
                                   "监测图斑面积" if is_landuse else f"涉及{layer}面积")
            for r, m2, mu in zip(rows, figures.m2, figures.mu):
                n += 1
                drows.append([
                    str(n), P(layer, st.cell), text_value(r.get("class_code")),
                    P(text_value(r.get("class_name")), st.cell), m2, mu, share_text(r.get("share")),
                ])
            if len(rows) > 1 and figures.total is not None:
                share = (figures.total / total) if total else None
                drows.append(["", P(f"{layer}合计", st.cell), "", "", m2_text(figures.total), mu_text(figures.total),
                              share_text(share) if share is not None else ""])
                subtotal_rows.append(len(drows) - 1)
            notes += figures.notes
        widths = [10 * mm, 32 * mm, 18 * mm, 0, 25 * mm, 21 * mm, 18 * mm]
        widths[3] = width - sum(widths)
        t = grid_table(drows, widths, st, zebra=True)
        cmds = [("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (2, 1), (2, -1), "CENTER"),
                ("ALIGN", (4, 1), (-1, -1), "RIGHT"), ("FONTSIZE", (0, 0), (-1, -1), st.cell.fontSize)]
        for row in subtotal_rows:
            cmds += [("SPAN", (1, row), (3, row)), ("BACKGROUND", (0, row), (-1, row), HEAD_BG)]
        t.setStyle(TableStyle(cmds))
        story.append(t)
        story += [P(note, st.small) for note in notes]
    summary = text_value(doc.attrs.get("protected_summary"))
    if summary:
        story.append(Spacer(1, 2 * mm))
        story.append(P(f"涉及管控区、保护区情况：{summary}", st.body))
    repair = repair_text(text_value(doc.attrs.get("repair_note")))
    if repair:
        story.append(P(f"几何修复说明：{repair}", st.small))

    # 四、现场核查 (where the register was consulted), then 认定意见 and 处理意见 numbered on
    numerals = iter("四五六七")
    if doc.verification is not None:
        from .field_check import field_check_story

        story.append(CondPageBreak(60 * mm))
        story += field_check_story(doc, cfg, values, st, width,
                                   f"{next(numerals)}、{cfg.get('field_check_heading', '现场核查')}")
    story.append(CondPageBreak(50 * mm))
    story.append(P(f"{next(numerals)}、认定意见", st.heading))
    story.append(PT(cfg["determination"], values, st.body_indent))
    approval = approval_values(doc, cfg)
    if approval:
        story.append(PT(cfg["approval"], {**values, **approval}, st.body_indent))
    if values["rule_id"] or values["rule_name"]:
        story.append(PT(cfg["rule"], values, st.body_indent))
    separate = doc.violation and text_value(doc.attrs.get("violated")) and cfg.get("violated")
    if separate:
        # provisions violated and penalty provisions apart, as the notice cites them
        story.append(PT(cfg["violated"], values, st.body_indent))
        if cfg.get("penalty"):
            story.append(PT(cfg["penalty"], values, st.body_indent))
    elif values["legal_basis"] or doc.violation:  # a violation without its basis prints a blank to fill in
        story.append(PT(cfg["basis"], values, st.body_indent))
    story.append(P(f"{next(numerals)}、处理意见", st.heading))
    story.append(PT(cfg["handling"] if doc.violation else cfg["handling_none"], values, st.body_indent))
    story.append(Spacer(1, 2 * mm))
    rounding = cfg.get("rounding_clause", "") if cfg.get("largest_remainder", True) else ""
    story.append(PT(cfg["area_note"], {**values, "rounding_clause": Optional(rounding)}, st.small))
    story.append(KeepTogether([Spacer(1, 4 * mm), SignatureBlock(st.font, authority, values["date"])]))
    canvasmaker = numbered_canvas_class(info)
    pdf.build(story, canvasmaker=canvasmaker)
    return info.pages
