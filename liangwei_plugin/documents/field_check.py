"""The 现场核查 (on-site check) section of the 规划认定意见书: conclusion, inspector, date, the evidence
photos with position, time and direction, and a small map of where and in which direction they were taken.

Pure reportlab (built in worker processes); the data come from ``DocumentInput.verification``
(fieldwork/documents.py fills it from the register).
"""
from __future__ import annotations

import math
from pathlib import Path

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from .model import DocumentInput, FieldEvidence, FieldPhoto
from .parts import PT, P, grid_table, jpeg_image

MAX_PHOTOS = 6          # photos printed (passed ones first); all are listed in the register
PHOTO_W_MM, PHOTO_H_MM = 76.0, 57.0
MAP_W_MM, MAP_H_MM = 80.0, 60.0
_DIRECTIONS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")


def direction_text(deg: float | None) -> str:
    """"45°（东北）" — the shooting direction (GPSImgDirection) in degrees and the nearest of 8 points."""
    if deg is None:
        return "—"
    return f"{deg:.0f}°（{_DIRECTIONS[int(((deg % 360) + 22.5) // 45) % 8]}）"


def photo_caption(n: int, p: FieldPhoto) -> str:
    parts = [f"照片{n}"]
    parts.append(f"拍摄时间 {p.taken.replace('T', ' ')}" if p.taken else "拍摄时间 —")
    if p.lat is not None and p.lon is not None:
        parts.append(f"经度 {p.lon:.6f}°，纬度 {p.lat:.6f}°")
    parts.append(f"方向 {direction_text(p.direction)}")
    if p.distance_m is not None:
        parts.append("位于图斑内" if p.distance_m == 0 else f"距图斑边界 {p.distance_m:.0f} 米")
    text = "；".join(parts)
    if p.flagged:
        text += f"。【未通过检查：{p.reason}】"
    return text


def _near(ev: FieldEvidence) -> tuple[list, list[int]]:
    """(numbered photos shown on the small map, numbers of those too far from the patch to show)."""
    shots = [(i, p) for i, p in enumerate(ev.photos, start=1) if p.x is not None and p.y is not None]
    pts = [(x, y) for ring in ev.outline for x, y in ring]
    if not pts:
        return shots, []
    minx, maxx = min(x for x, _ in pts), max(x for x, _ in pts)
    miny, maxy = min(y for _, y in pts), max(y for _, y in pts)
    # the map shows the patch and its surroundings: photos farther than this stay off it (listed)
    reach = max(150.0, 2.0 * max(maxx - minx, maxy - miny))
    near = [(i, p) for i, p in shots if minx - reach <= p.x <= maxx + reach and miny - reach <= p.y <= maxy + reach]
    return near, [i for i, p in shots if (i, p) not in near]


def position_map(ev: FieldEvidence, width_mm: float = MAP_W_MM, height_mm: float = MAP_H_MM) -> Drawing | None:
    """The patch outline with each photo's position (numbered dot) and shooting direction (arrow)."""
    pts = [(x, y) for ring in ev.outline for x, y in ring]
    shots, _far = _near(ev)
    pts += [(p.x, p.y) for _, p in shots]
    if not pts:
        return None
    minx, maxx = min(x for x, _ in pts), max(x for x, _ in pts)
    miny, maxy = min(y for _, y in pts), max(y for _, y in pts)
    span = max(maxx - minx, maxy - miny, 20.0)
    pad = span * 0.15
    w, h = width_mm * mm, height_mm * mm
    scale = min(w / (maxx - minx + 2 * pad), h / (maxy - miny + 2 * pad))
    ox = (w - (maxx - minx) * scale) / 2 - minx * scale
    oy = (h - (maxy - miny) * scale) / 2 - miny * scale

    def xy(x: float, y: float) -> tuple[float, float]:
        return ox + x * scale, oy + y * scale

    d = Drawing(w, h)
    d.add(Polygon([0, 0, w, 0, w, h, 0, h], fillColor=colors.HexColor("#fbfbf7"), strokeColor=colors.grey,
                  strokeWidth=0.5))
    for ring in ev.outline:
        flat = [c for x, y in ring for c in xy(x, y)]
        if len(flat) >= 6:
            d.add(Polygon(flat, fillColor=None, strokeColor=colors.red, strokeWidth=1.2))
    arrow = 9 * mm
    for i, p in shots:
        x, y = xy(p.x, p.y)
        colour = colors.HexColor("#c47f00") if p.flagged else colors.HexColor("#1f5fbf")
        if p.direction is not None:
            a = math.radians(p.direction)          # clockwise from north
            ex, ey = x + arrow * math.sin(a), y + arrow * math.cos(a)
            d.add(Line(x, y, ex, ey, strokeColor=colour, strokeWidth=1.2))
            for side in (-1, 1):                   # arrow head
                b = a + math.pi + side * math.radians(25)
                d.add(Line(ex, ey, ex + 2.2 * mm * math.sin(b), ey + 2.2 * mm * math.cos(b),
                           strokeColor=colour, strokeWidth=1.2))
        d.add(Circle(x, y, 1.6 * mm, fillColor=colour, strokeColor=colors.white, strokeWidth=0.5))
        d.add(String(x + 2 * mm, y - 3.5 * mm, str(i), fontSize=7, fillColor=colour))
    # north arrow
    nx, ny = w - 6 * mm, h - 12 * mm
    d.add(Line(nx, ny, nx, ny + 8 * mm, strokeColor=colors.black, strokeWidth=0.8))
    d.add(Polygon([nx - 1.5 * mm, ny + 5.5 * mm, nx, ny + 8.5 * mm, nx + 1.5 * mm, ny + 5.5 * mm],
                  fillColor=colors.black, strokeColor=colors.black))
    d.add(String(nx - 1.2 * mm, ny - 3.5 * mm, "N", fontSize=7))
    return d


def field_check_story(doc: DocumentInput, cfg: dict, values: dict, st, width: float, heading: str) -> list:
    """Flowables of the 现场核查 section (empty when the register was not consulted)."""
    ev = doc.verification
    if ev is None:
        return []
    story: list = [P(heading, st.heading)]
    if ev.missing:
        story.append(PT(cfg.get("field_check_missing", ""), values, st.body_indent))
        return story
    story.append(PT(cfg.get("field_check", ""), values, st.body_indent))
    rows = [("核查结论", ev.conclusion, "核查人", ev.inspector),
            ("核查时间", ev.verified_at.replace("T", " "), "批准文号/备案号", ev.approval),
            ("项目名称", ev.project_name, "项目主体", ev.party)]
    cells = [[P(a, st.cell_center), P(b or "—", st.cell), P(c, st.cell_center), P(d or "—", st.cell)]
             for a, b, c, d in rows]
    t = grid_table(cells, [24 * mm, width / 2 - 24 * mm, 28 * mm, width / 2 - 28 * mm], st, header_rows=0)
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), "#f0f0f0"), ("BACKGROUND", (2, 0), (2, -1), "#f0f0f0")]))
    story.append(t)
    photos = sorted(ev.photos, key=lambda p: (p.flagged, p.taken))[:MAX_PHOTOS]
    numbered = {id(p): i for i, p in enumerate(ev.photos, start=1)}
    grid, row = [], []
    for p in photos:
        try:
            data = Path(p.path).read_bytes()
            image = jpeg_image(data, PHOTO_W_MM, PHOTO_H_MM)
        except (OSError, ValueError):
            image = P(f"（照片文件缺失：{Path(p.path).name}）", st.caption)
        row.append([image, P(photo_caption(numbered[id(p)], p), st.small)])
        if len(row) == 2:
            grid.append(row)
            row = []
    if row:
        grid.append(row + [""])
    if grid:
        story.append(Spacer(1, 2 * mm))
        gap = max(0.0, (width - 2 * PHOTO_W_MM * mm) / 2)
        table = Table([[cell for cell in r] for r in grid], colWidths=[PHOTO_W_MM * mm + gap] * 2)
        table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), st.font), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
        story.append(table)
    if any(p.flagged for p in ev.photos):
        story.append(PT(cfg.get("field_check_flagged", ""), values, st.small))
    drawing = position_map(ev)
    if drawing is not None:
        _near_shots, far = _near(ev)
        caption = cfg.get("field_check_map", "")
        if far:
            caption += f"；照片{'、'.join(map(str, far))}拍摄位置距图斑较远，未在图中示出"
        story.append(KeepTogether([Spacer(1, 2 * mm), drawing, P(caption, st.caption)]))
    return story
