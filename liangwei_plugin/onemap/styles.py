"""Standard one-map symbology (一张图标准样式).

The colour tables and the role -> style rules live in ``resources/styles/onemap_styles.toml``; the
shipped ``.qml`` files beside it are generated from them by ``scripts/make_styles.py`` with the
builders below.  When a one map is built, the layer gets its ``.qml`` and then
:func:`complete_categories` adds a category for every class code found in the data that the style
does not know yet (land use: first-level colour for unknown second-level codes), so no parcel is
drawn without a legend entry.

Only stock QGIS renderers, symbol layers and expressions are used: a project built with these
styles opens in any QGIS 3.22+ without the plugin.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsLinePatternFillSymbolLayer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPointPatternFillSymbolLayer,
    QgsRendererCategory,
    QgsRuleBasedRenderer,
    QgsSimpleFillSymbolLayer,
    QgsSimpleLineSymbolLayer,
    QgsSingleSymbolRenderer,
    QgsSymbol,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QFont

from ..paths import resource
from ..toml_compat import tomllib

STYLES_DIR = resource("styles")
STYLE_CONFIG = STYLES_DIR / "onemap_styles.toml"

# Name fields looked at when a planning layer's code field holds codes rather than zone names.
PLANNING_NAME_FIELDS = ("GHFQMC", "GHYTMC", "YDYHMC", "FQMC", "MC", "NAME")

_SUFFIX = re.compile(r"^(\d{3,4}|\d{2}H\d)[A-Z]+$")  # 1104A -> 1104, 08H2A -> 08H2


@lru_cache(maxsize=4)
def load_style_config(path: str | None = None) -> dict[str, Any]:
    """The parsed ``onemap_styles.toml`` (colour tables and style rules)."""
    with open(path or STYLE_CONFIG, "rb") as f:
        return tomllib.load(f)


def normalise_landuse_code(value: Any) -> str:
    """A land-use code as text: integers and floats from badly typed fields get their leading zero."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if text.isdigit() and len(text) == 3 and not text.startswith("20"):
        text = text.zfill(4)  # 101 -> 0101 (code stored as a number)
    return text


def landuse_colour(code: Any, config: dict | None = None) -> tuple[str, str]:
    """(colour "#rrggbb", how it was found: "code" | "base" | "first_level" | "other")."""
    cfg = (config or load_style_config())["landuse"]
    text = normalise_landuse_code(code)
    if text in cfg["codes"]:
        return cfg["codes"][text], "code"
    m = _SUFFIX.match(text)
    if m and m.group(1) in cfg["codes"]:
        return cfg["codes"][m.group(1)], "base"
    if text[:2] in cfg["first_level"]:
        return cfg["first_level"][text[:2]], "first_level"
    return cfg["other"], "other"


def landuse_label(code: Any) -> str:
    """Legend label "0101 水田"; unknown second-level codes show their first-level class "0199 （耕地）".
    Names come from the shared land-use code table (resources/landuse_codes.toml)."""
    from ..landuse_codes import lookup

    text = normalise_landuse_code(code)
    info = lookup(text)
    if info.level == 2 and info.name:
        return f"{text} {info.name}"
    if info.level == 1 and info.name:
        return f"{text} （{info.name}）"
    return text or "（空）"


def _fill_symbol(layers: list) -> QgsFillSymbol:
    """A fill symbol made of ``layers`` (appendSymbolLayer transfers ownership reliably; the
    list constructor does not for line layers, which crashes QGIS when the layer is deleted)."""
    symbol = QgsFillSymbol()
    for layer in layers:
        symbol.appendSymbolLayer(layer)
    symbol.deleteSymbolLayer(0)  # the default simple fill the constructor adds
    return symbol


def _fill(colour: str, outline: str = "#6e6e6e", width: float = 0.1, alpha: int = 255) -> QgsFillSymbol:
    c = QColor(colour)
    c.setAlpha(alpha)
    layer = QgsSimpleFillSymbolLayer(c, Qt.BrushStyle.SolidPattern, QColor(outline), Qt.PenStyle.SolidLine, width)
    return _fill_symbol([layer])


def _outline(colour: str, width: float, style=Qt.PenStyle.SolidLine) -> QgsSimpleLineSymbolLayer:
    line = QgsSimpleLineSymbolLayer(QColor(colour), width, style)
    return line


def _outline_symbol(colour: str, width: float, style=Qt.PenStyle.SolidLine, fill_colour: str | None = None,
                    fill_alpha: int = 0) -> QgsFillSymbol:
    """A polygon symbol drawn as outline (optionally over a faint fill)."""
    c = QColor(fill_colour or colour)
    c.setAlpha(fill_alpha)
    brush = Qt.BrushStyle.SolidPattern if fill_alpha else Qt.BrushStyle.NoBrush
    fill = QgsSimpleFillSymbolLayer(c, brush, QColor(colour), style, width)
    return _fill_symbol([fill])


def _hatch_symbol(colour: str, angle: float, outline_width: float, spacing: float = 2.5,
                  line_width: float = 0.25, fill_alpha: int = 40, dots: bool = False) -> QgsFillSymbol:
    """Faint fill + hatch (or dot pattern) + solid outline, e.g. 生态保护红线."""
    base = QColor(colour)
    base.setAlpha(fill_alpha)
    layers = [QgsSimpleFillSymbolLayer(base, Qt.BrushStyle.SolidPattern, QColor(colour), Qt.PenStyle.NoPen, 0)]
    if dots:
        pattern = QgsPointPatternFillSymbolLayer.create({"distance_x": str(spacing), "distance_y": str(spacing)})
        dot = QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "outline_style": "no", "size": "0.6"})
        pattern.setSubSymbol(dot)
    else:
        pattern = QgsLinePatternFillSymbolLayer.create({"lineangle": str(angle), "distance": str(spacing),
                                                        "line_width": str(line_width), "color": colour})
        line = QgsLineSymbol.createSimple({"line_color": colour, "line_width": str(line_width)})
        pattern.setSubSymbol(line)
    layers.append(pattern)
    layers.append(_outline(colour, outline_width))
    return _fill_symbol(layers)


def _labels(layer: QgsVectorLayer, field: str, colour: str = "#000000", size: float = 9.0,
            buffer: bool = True, polygon_placement: str = "horizontal") -> None:
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.isExpression = False
    settings.enabled = True
    settings.placement = (Qgis.LabelPlacement.OverPoint if polygon_placement == "horizontal"
                          else Qgis.LabelPlacement.Horizontal)
    fmt = QgsTextFormat()
    # The users' Windows desktops have 微软雅黑; elsewhere Qt substitutes a CJK font.
    fmt.setFont(QFont("Microsoft YaHei"))
    fmt.setSize(size)
    fmt.setSizeUnit(Qgis.RenderUnit.Points)
    fmt.setColor(QColor(colour))
    if buffer:
        buf = QgsTextBufferSettings()
        buf.setEnabled(True)
        buf.setSize(0.8)
        buf.setColor(QColor("#ffffff"))
        fmt.setBuffer(buf)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


# -- land use ---------------------------------------------------------------------------------------

def landuse_symbol(code: Any) -> QgsFillSymbol:
    colour, _how = landuse_colour(code)
    return _fill(colour, outline=QColor(colour).darker(150).name(), width=0.1)


def landuse_renderer(field: str = "DLBM", codes: Iterable[Any] | None = None) -> QgsCategorizedSymbolRenderer:
    """Categorised 三调 renderer: one category per code (table codes if ``codes`` is None) + "其他"."""
    cfg = load_style_config()["landuse"]
    if codes is None:
        codes = list(cfg["codes"])
    categories = [QgsRendererCategory(code, landuse_symbol(code), landuse_label(code)) for code in codes]
    categories.append(QgsRendererCategory("", _fill(cfg["other"]), "其他"))
    return QgsCategorizedSymbolRenderer(field, categories)


# -- planning zones ---------------------------------------------------------------------------------

def planning_zone_colour(value: Any, name_hint: str | None = None, index: int = 0) -> str:
    """Colour of a planning zone by name (规划分区 / 三区四线 zones) or 用地用海 code; palette otherwise."""
    cfg = load_style_config()
    text = "" if value is None else str(value).strip()
    for candidate in (text, name_hint or ""):
        for name, colour in cfg["planning_zones"]["names"]:
            if candidate and name in candidate:
                return colour
    for candidate in (text, name_hint or ""):
        if len(candidate) >= 2 and candidate[:2].isdigit() and candidate[:2] in cfg["land_sea_use"]:
            return cfg["land_sea_use"][candidate[:2]]
    palette = cfg["planning_zones"]["palette"]
    return palette[index % len(palette)]


def planning_zone_symbol(colour: str) -> QgsFillSymbol:
    return _fill(colour, outline=QColor(colour).darker(160).name(), width=0.15, alpha=170)


def planning_zones_renderer(field: str = "GHFQMC", values: Iterable[tuple[Any, str | None]] | None = None
                            ) -> QgsCategorizedSymbolRenderer:
    """Categorised planning-zone renderer; ``values`` = (value, name hint) pairs, default the zone names."""
    if values is None:
        values = [(name, None) for name, _c in load_style_config()["planning_zones"]["names"]]
    categories = []
    for i, (value, hint) in enumerate(values):
        label = str(value) if not hint or hint == str(value) else f"{value} {hint}"
        categories.append(QgsRendererCategory(value, planning_zone_symbol(planning_zone_colour(value, hint, i)), label))
    categories.append(QgsRendererCategory("", planning_zone_symbol("#e0e0e0"), "其他"))
    return QgsCategorizedSymbolRenderer(field, categories)


# -- case register ----------------------------------------------------------------------------------

def _overdue_expression(field: str) -> str:
    return (f'coalesce("{field}", 0) = 1 OR lower(to_string("{field}")) IN (\'true\', \'t\', \'yes\', \'是\')')


def register_renderer(geometry: str) -> QgsRuleBasedRenderer:
    """Rule-based case symbols: colour by stage, overdue cases highlighted on top."""
    cfg = load_style_config()["register"]
    stage, overdue = cfg["stage_field"], cfg["overdue_field"]
    root = QgsRuleBasedRenderer.Rule(None)

    def symbol(colour: str) -> QgsSymbol:
        if geometry == "point":
            return QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "outline_color": "#333333",
                                                 "outline_width": "0.3", "size": "3.2"})
        return _fill(colour, outline=QColor(colour).darker(150).name(), width=0.4, alpha=150)

    # Stage rules sit in their own parent so that the ELSE rule ignores the overdue rule beside it.
    stages = QgsRuleBasedRenderer.Rule(None, label="办理阶段")
    for name, colour in cfg["stages"]:
        stages.appendChild(QgsRuleBasedRenderer.Rule(symbol(colour), filterExp=f"\"{stage}\" = '{name}'", label=name))
    stages.appendChild(QgsRuleBasedRenderer.Rule(symbol(cfg["other"]), elseRule=True, label="其他阶段"))
    root.appendChild(stages)
    if geometry == "point":
        ring = QgsMarkerSymbol.createSimple({"name": "circle", "color": "0,0,0,0", "outline_color": cfg["overdue"],
                                             "outline_width": "0.8", "size": "6"})
    else:
        ring = _outline_symbol(cfg["overdue"], 1.0, Qt.PenStyle.DashLine)
    root.appendChild(QgsRuleBasedRenderer.Rule(ring, filterExp=_overdue_expression(overdue), label="逾期"))
    return QgsRuleBasedRenderer(root)


# -- the standard styles (used by scripts/make_styles.py to write the shipped .qml files) ---------

def _style_boundary(layer: QgsVectorLayer) -> None:
    symbol = _fill_symbol([_outline("#ffffff", 1.4), _outline("#505050", 0.7, Qt.PenStyle.DashDotLine)])
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    _labels(layer, "XZQMC", "#303030", 11)


def _style_redline(layer: QgsVectorLayer) -> None:
    layer.setRenderer(QgsSingleSymbolRenderer(_hatch_symbol("#1a9641", 45, 0.6)))


def _style_basic_farmland(layer: QgsVectorLayer) -> None:
    layer.setRenderer(QgsSingleSymbolRenderer(_hatch_symbol("#e6b000", 135, 0.5, fill_alpha=50)))


def _style_urban_boundary(layer: QgsVectorLayer) -> None:
    symbol = _fill_symbol([_outline("#ffffff", 1.3), _outline("#9c27b0", 0.8, Qt.PenStyle.DashLine)])
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def _style_planning_zones(layer: QgsVectorLayer) -> None:
    layer.setRenderer(planning_zones_renderer())


def _style_landuse(layer: QgsVectorLayer) -> None:
    layer.setRenderer(landuse_renderer())


def _style_nature_reserve(layer: QgsVectorLayer) -> None:
    layer.setRenderer(QgsSingleSymbolRenderer(_hatch_symbol("#006d2c", 0, 0.5, spacing=3, fill_alpha=35, dots=True)))


def _style_water_source(layer: QgsVectorLayer) -> None:
    layer.setRenderer(QgsSingleSymbolRenderer(_hatch_symbol("#0868ac", 45, 0.6, fill_alpha=40)))


def _style_river(layer: QgsVectorLayer) -> None:
    layer.setRenderer(QgsSingleSymbolRenderer(_outline_symbol("#1f78b4", 0.6, Qt.PenStyle.DashLine, "#a6cee3", 70)))


def _style_forest(layer: QgsVectorLayer) -> None:
    layer.setRenderer(QgsSingleSymbolRenderer(_hatch_symbol("#238b45", 90, 0.4, spacing=3, fill_alpha=30)))


def _style_spring(layer: QgsVectorLayer) -> None:
    layer.setRenderer(QgsSingleSymbolRenderer(_hatch_symbol("#41b6c4", 0, 0.5, spacing=3, fill_alpha=30, dots=True)))


def patch_label_expression(field: str) -> str:
    """The patches' label by scale (``[labels.patches]`` of onemap_styles.toml): the full 监测编号 only
    when zoomed in, its last digits at township scale, nothing beyond (set by the label's scale range),
    so that hundreds of 15-digit numbers do not bury the patches."""
    cfg = load_style_config().get("labels", {}).get("patches", {})
    full, digits = float(cfg.get("full_up_to_scale", 5000)), int(cfg.get("short_digits", 4))
    quoted = '"' + field.replace('"', '""') + '"'
    return f"CASE WHEN @map_scale <= {full:g} THEN {quoted} ELSE right({quoted}, {digits}) END"


def _style_patches(layer: QgsVectorLayer) -> None:
    symbol = _fill_symbol([_outline("#ffffff", 1.2), _outline("#ff0000", 0.6)])
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    _labels(layer, "JCBH", "#d00000", 8)
    labels_by_scale(layer)


def labels_by_scale(layer: QgsVectorLayer, field: str | None = None) -> None:
    """Label a patch layer by scale (``[labels.patches]``): the full id zoomed in, its last digits at township
    scale, none beyond.  ``field``: the id field (default: the field its labels already show)."""
    labeling = layer.labeling()
    if labeling is None or not hasattr(labeling, "settings"):
        return
    settings = QgsPalLayerSettings(labeling.settings())
    field = field or ("" if settings.isExpression else settings.fieldName)
    if not field or layer.fields().indexOf(field) < 0:
        return
    cfg = load_style_config().get("labels", {}).get("patches", {})
    settings.fieldName = patch_label_expression(field)
    settings.isExpression = True
    # hidden when zoomed out beyond 1:hidden_beyond_scale (hundreds of ids over a county are noise)
    settings.scaleVisibility = True
    settings.minimumScale = float(cfg.get("hidden_beyond_scale", 25000))
    settings.maximumScale = 0
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))


def _style_register_point(layer: QgsVectorLayer) -> None:
    layer.setRenderer(register_renderer("point"))


def _style_register_polygon(layer: QgsVectorLayer) -> None:
    layer.setRenderer(register_renderer("polygon"))


# file name -> (geometry of the template layer, fields it needs, builder)
STANDARD_STYLES: dict[str, tuple[str, list[str], Callable[[QgsVectorLayer], None]]] = {
    "boundary.qml": ("Polygon", ["XZQDM", "XZQMC"], _style_boundary),
    "planning_ecological_redline.qml": ("Polygon", [], _style_redline),
    "planning_basic_farmland.qml": ("Polygon", [], _style_basic_farmland),
    "planning_urban_boundary.qml": ("Polygon", [], _style_urban_boundary),
    "planning_zones.qml": ("Polygon", ["GHFQDM", "GHFQMC"], _style_planning_zones),
    "landuse.qml": ("Polygon", ["DLBM", "DLMC"], _style_landuse),
    "protected_nature_reserve.qml": ("Polygon", ["MC", "JB"], _style_nature_reserve),
    "protected_water_source.qml": ("Polygon", ["MC", "JB"], _style_water_source),
    "protected_river.qml": ("Polygon", ["MC"], _style_river),
    "protected_forest.qml": ("Polygon", ["MC"], _style_forest),
    "protected_spring.qml": ("Polygon", ["MC"], _style_spring),
    "patches.qml": ("Polygon", ["JCBH", "XZQMC"], _style_patches),
    "register_point.qml": ("Point", ["patch_id", "stage", "overdue"], _style_register_point),
    "register_polygon.qml": ("Polygon", ["patch_id", "stage", "overdue"], _style_register_polygon),
}


def template_layer(style_name: str) -> QgsVectorLayer:
    """A memory layer styled with the standard style ``style_name`` (for writing the .qml)."""
    geometry, fields, builder = STANDARD_STYLES[style_name]
    uri = f"{geometry}?crs=EPSG:4527" + "".join(f"&field={f}:string" for f in fields)
    layer = QgsVectorLayer(uri, style_name, "memory")
    builder(layer)
    return layer


# -- choosing and completing styles when a one map is built -----------------------------------------

def geometry_kind(layer) -> str | None:
    """"point" | "line" | "polygon" | None (tables, rasters)."""
    if not isinstance(layer, QgsVectorLayer):
        return None
    return {Qgis.GeometryType.Point: "point", Qgis.GeometryType.Line: "line",
            Qgis.GeometryType.Polygon: "polygon"}.get(layer.geometryType())


def choose_style(role: str, names: Iterable[str], geometry: str | None) -> Path | None:
    """The shipped .qml for a layer of ``role`` named ``names`` (display / source layer names)."""
    names = [n for n in names if n]
    for rule in load_style_config().get("rule", []):
        roles = rule["role"] if isinstance(rule["role"], list) else [rule["role"]]
        if role not in roles:
            continue
        if "geometry" in rule and rule["geometry"] != geometry:
            continue
        keys = rule.get("name_contains")
        if keys and not any(k in n for k in keys for n in names):
            continue
        return STYLES_DIR / rule["style"]
    return None


def _distinct(layer: QgsVectorLayer, field: str) -> list[Any]:
    idx = layer.fields().lookupField(field)
    if idx < 0:
        return []
    values = [v for v in layer.uniqueValues(idx) if v is not None and str(v) not in ("", "NULL")]
    return sorted(values, key=lambda v: str(v))


def _name_hints(layer: QgsVectorLayer, field: str) -> dict[str, str]:
    """code -> zone name from a name field in the same features (planning layers coded by number)."""
    names = [f.name() for f in layer.fields()]
    name_field = next((n for n in names for cand in PLANNING_NAME_FIELDS if n.upper() == cand and n != field), None)
    if name_field is None:
        return {}
    hints: dict[str, str] = {}
    request_fields = [field, name_field]
    from qgis.core import QgsFeatureRequest

    req = QgsFeatureRequest().setFlags(Qgis.FeatureRequestFlag.NoGeometry)
    req.setSubsetOfAttributes(request_fields, layer.fields())
    for feat in layer.getFeatures(req):
        key = str(feat[field])
        if key not in hints and feat[name_field] not in (None, ""):
            hints[key] = str(feat[name_field])
    return hints


def complete_categories(layer: QgsVectorLayer, role: str, code_field: str | None, prune: bool = True) -> list[str]:
    """Point a categorised style at ``code_field`` and add categories for codes it lacks.

    With ``prune`` the style's categories for codes absent from the data are dropped, so the legend
    lists what the layer holds (the "其他" catch-all category stays).  Returns the values that got
    a new category (land use: coloured by their first-level class).  Non-categorised renderers are
    left as they are.
    """
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return []
    if code_field:
        renderer.setClassAttribute(code_field)
    field = renderer.classAttribute()
    present = _distinct(layer, field)
    known = {str(c.value()) for c in renderer.categories()}
    added = []
    hints = _name_hints(layer, field) if role == "planning" else {}
    for i, value in enumerate(present):
        if str(value) in known:
            continue
        if role == "landuse":
            category = QgsRendererCategory(value, landuse_symbol(value), landuse_label(value))
        else:
            hint = hints.get(str(value))
            label = str(value) if not hint else f"{value} {hint}"
            colour = planning_zone_colour(value, hint, len(known) + i)
            category = QgsRendererCategory(value, planning_zone_symbol(colour), label)
        renderer.addCategory(category)
        known.add(str(value))
        added.append(str(value))
    if prune and present:
        wanted = {str(v) for v in present}
        for i in reversed(range(len(renderer.categories()))):
            value = str(renderer.categories()[i].value())
            # "all other values" is '' or NULL: str() gives "NULL" for Qt5's QVariant, "None" on Qt6
            if value not in wanted and value not in ("", "NULL", "None"):
                renderer.deleteCategory(i)
    # keep the "其他" (all other values) category last in the legend
    cats = renderer.categories()
    other = next((i for i, c in enumerate(cats) if str(c.value()) in ("", "NULL", "None") and i != len(cats) - 1),
                 None)
    if other is not None:
        renderer.moveCategory(other, len(cats) - 1)
    return added


def label_font_family() -> str | None:
    """The first installed font of ``[labels] fonts`` (Chinese-capable), None if none is."""
    from qgis.PyQt.QtGui import QFontDatabase

    installed = set(QFontDatabase().families())
    for family in load_style_config().get("labels", {}).get("fonts", []):
        if family in installed:
            return family
    return None


def relabel_field(layer: QgsVectorLayer, canonical: str) -> None:
    """Point simple labelling at the layer's own name for ``canonical`` (e.g. JCBH → 监测编号)
    and at a Chinese font installed here (the project stores one family name)."""
    from ..fieldmap import resolve_field

    labeling = layer.labeling()
    if not isinstance(labeling, QgsVectorLayerSimpleLabeling):
        return
    settings = labeling.settings()
    actual = resolve_field([f.name() for f in layer.fields()], canonical)
    if not actual:
        layer.setLabelsEnabled(False)
        return
    if settings.isExpression and f'"{canonical}"' in settings.fieldName:  # the patches' label by scale
        settings.fieldName = patch_label_expression(actual)
    else:
        settings.fieldName = actual
        settings.isExpression = False
    family = label_font_family()
    if family:
        fmt = settings.format()
        font = fmt.font()
        font.setFamily(family)
        fmt.setFont(font)
        settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
