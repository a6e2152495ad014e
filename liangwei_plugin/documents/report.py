"""规划认定意见书 (planning-opinion report) of one patch, built with reportlab."""
from __future__ import annotations

import re
from typing import Any, BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer, Table, TableStyle

from .layout import PageInfo, make_doc, make_styles, numbered_canvas_class
from .model import DocumentInput
from .parts import PT, P, SignatureBlock, grid_table, jpeg_image, masthead
from .values import m2_text, mu_text, share_text, text_value

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


def _detail_sorted(doc: DocumentInput) -> list[dict]:
    rows = list(doc.detail)
    landuse = doc.landuse_layer

    def key(r):
        layer = text_value(r.get("layer"))
        first = 0 if (landuse and layer == landuse) else 1
        return (first, layer, text_value(r.get("class_code")))

    return sorted(rows, key=key)


def build_report(doc: DocumentInput, config: dict, target: str | BinaryIO) -> int:
    """Write the report PDF to ``target`` (path or binary file); returns its page count."""
    st = make_styles(config)
    cfg = config["report"]
    authority = config["authority"]["name"]
    values = doc.common_values()
    values["authority"] = authority
    consequence = values["consequence"]
    values["consequence_text"] = consequence or ("依法处理" if doc.violation else "")

    pdf, margins = make_doc(target, config, f"{cfg['title']} {doc.patch_id}", authority)
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
        ("监测面积", f"{values['area_m2']} ㎡（{values['area_mu']} 亩）", "面积算法", values["area_method"]),
        ("中心点坐标", coord, "", ""),
    ]
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
    for label, area in summary_rows(doc):
        share = (area / total) if (area is not None and total) else None
        # numbers as plain strings (no wrapping needed, much cheaper than Paragraphs)
        srows.append([P(label, st.cell), m2_text(area), mu_text(area), share_text(share) if share is not None else ""])
    t = grid_table(srows, [width * 0.40, width * 0.20, width * 0.18, width * 0.22], st)
    t.setStyle(TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("FONTSIZE", (0, 0), (-1, -1), st.cell.fontSize)]))
    story.append(t)
    detail = _detail_sorted(doc)
    if detail:
        story.append(Spacer(1, 3 * mm))
        story.append(P("分类明细（地类图斑及各保护区图层）：", st.body))
        head = [P(h, st.cell_center) for h in ("序号", "图层", "编码", "类别名称", "面积（㎡）", "面积（亩）", "占比")]
        drows = [head]
        for i, r in enumerate(detail, 1):
            drows.append([
                str(i), P(text_value(r.get("layer")), st.cell), text_value(r.get("class_code")),
                P(text_value(r.get("class_name")), st.cell),
                m2_text(r.get("area_m2")), mu_text(r.get("area_m2")), share_text(r.get("share")),
            ])
        widths = [10 * mm, 32 * mm, 18 * mm, 0, 25 * mm, 21 * mm, 18 * mm]
        widths[3] = width - sum(widths)
        t = grid_table(drows, widths, st, zebra=True)
        t.setStyle(TableStyle([("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (2, 1), (2, -1), "CENTER"),
                               ("ALIGN", (4, 1), (-1, -1), "RIGHT"), ("FONTSIZE", (0, 0), (-1, -1), st.cell.fontSize)]))
        story.append(t)
    summary = text_value(doc.attrs.get("protected_summary"))
    if summary:
        story.append(Spacer(1, 2 * mm))
        story.append(P(f"涉及管控区、保护区情况：{summary}", st.body))
    repair = repair_text(text_value(doc.attrs.get("repair_note")))
    if repair:
        story.append(P(f"几何修复说明：{repair}", st.small))

    # 四、认定意见  五、处理意见
    story.append(CondPageBreak(50 * mm))
    story.append(P("四、认定意见", st.heading))
    story.append(PT(cfg["determination"], values, st.body_indent))
    if values["rule_id"] or values["rule_name"]:
        story.append(PT(cfg["rule"], values, st.body_indent))
    if values["legal_basis"] or doc.violation:  # a violation without its basis prints a blank to fill in
        story.append(PT(cfg["basis"], values, st.body_indent))
    story.append(P("五、处理意见", st.heading))
    story.append(PT(cfg["handling"] if doc.violation else cfg["handling_none"], values, st.body_indent))
    story.append(Spacer(1, 2 * mm))
    story.append(PT(cfg["area_note"], values, st.small))
    story.append(KeepTogether([Spacer(1, 4 * mm), SignatureBlock(st.font, authority, values["date"],
                                                                    config["authority"].get("seal_text", "（盖章）"))]))
    canvasmaker = numbered_canvas_class(info)
    pdf.build(story, canvasmaker=canvasmaker)
    return info.pages
