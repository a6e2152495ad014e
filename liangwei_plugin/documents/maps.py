"""Map excerpts of a patch rendered by QGIS (map settings + renderer jobs, never screenshots).

For every patch: the before and the after imagery epoch with the patch outlined in red, and a
location map with planning zones and protected areas; each with a scale bar and a north arrow,
drawn with QPainter at print resolution and encoded as JPEG (embedded as-is by reportlab).

Speed: layers and map settings are made once per batch; ``start()`` launches the three renderer
jobs (QgsMapRendererParallelJob renders in QGIS's worker threads), so a caller can build the
previous patch's PDF while the next patch's maps render.
"""
from __future__ import annotations

import csv
import datetime as _dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFillSymbol,
    QgsGeometry,
    QgsMapLayer,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt
from qgis.PyQt.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from ..log import logger
from .model import MapImages
from .values import parse_date

MM_PER_INCH = 25.4
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


# ---------------------------------------------------------------------------------------- epochs
@dataclass
class ImageryEpoch:
    """One imagery epoch (影像时相): a raster and its acquisition date."""

    source: str
    date: _dt.date | None
    name: str
    layer: QgsRasterLayer | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.date.isoformat() if self.date else self.name


def _catalogue_dates(folder: Path) -> dict[str, _dt.date]:
    """file name -> date from ``catalogue.csv`` (columns file,date[,sensor]) in ``folder``."""
    cat = folder / "catalogue.csv"
    out: dict[str, _dt.date] = {}
    if not cat.is_file():
        return out
    try:
        with open(cat, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                name = (row.get("file") or row.get("path") or "").strip()
                d = parse_date(row.get("date") or row.get("acquired") or "")
                if name and d:
                    out[Path(name).name] = d
    except (OSError, csv.Error) as exc:
        logger.warning("影像目录 %s 无法读取：%s", cat, exc)
    return out


def _metadata_date(layer: QgsRasterLayer) -> _dt.date | None:
    """Acquisition date from GDAL metadata (TIFFTAG_DATETIME, ACQUISITION_DATE ...) if any."""
    try:
        from osgeo import gdal

        ds = gdal.Open(layer.source())
        if ds is None:
            return None
        md = ds.GetMetadata() or {}
        for key in ("ACQUISITION_DATE", "ACQUISITIONDATE", "DATE", "IMAGE_DATE", "TIFFTAG_DATETIME"):
            d = parse_date(md.get(key))
            if d:
                return d
    except Exception:  # noqa: BLE001 - metadata is only a fallback
        return None
    return None


def epoch_from_layer(layer: QgsRasterLayer) -> ImageryEpoch:
    """The epoch of a raster: date from catalogue.csv beside it, else the file name, else metadata."""
    source = layer.source()
    path = Path(source.split("|")[0])
    date = _catalogue_dates(path.parent).get(path.name)
    if date is None:
        m = _DATE_IN_NAME.search(path.stem) or _DATE_IN_NAME.search(layer.name())
        if m:
            try:
                date = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                date = None
    if date is None:
        date = _metadata_date(layer)
    if date is None:
        logger.warning("影像 %s 没有可识别的时相日期（catalogue.csv、文件名或元数据）", source)
    return ImageryEpoch(source, date, layer.name() or path.stem, layer)


def epochs_from_layers(layers: Iterable[QgsMapLayer]) -> list[ImageryEpoch]:
    epochs = [epoch_from_layer(lyr) for lyr in layers if isinstance(lyr, QgsRasterLayer) and lyr.isValid()]
    epochs.sort(key=lambda e: (e.date or _dt.date.max, e.name))
    return epochs


def epochs_from_paths(paths: Iterable[str | Path]) -> list[ImageryEpoch]:
    layers = []
    for p in paths:
        lyr = QgsRasterLayer(str(p), Path(str(p)).stem, "gdal")
        if not lyr.isValid():
            raise ValueError(f"影像无法打开：{p}")
        layers.append(lyr)
    return epochs_from_layers(layers)


def choose_epochs(epochs: Sequence[ImageryEpoch], before, after) -> tuple[ImageryEpoch | None, ImageryEpoch | None]:
    """Before/after epochs of a patch: latest on/before QSX (else nearest), nearest to HSX on/after QSX.

    Without patch dates: the first and the last epoch.
    """
    if not epochs:
        return None, None
    dated = [e for e in epochs if e.date]
    qsx, hsx = parse_date(before), parse_date(after)
    if not dated or (qsx is None and hsx is None):
        return epochs[0], epochs[-1]

    def nearest(target: _dt.date, pool):
        return min(pool, key=lambda e: (abs((e.date - target).days), e.date))

    b = None
    if qsx:
        on_before = [e for e in dated if e.date <= qsx]
        b = on_before[-1] if on_before else nearest(qsx, dated)
    a = None
    if hsx:
        later = [e for e in dated if b is None or e.date > b.date] or dated
        on_after = [e for e in later if e.date <= hsx]
        a = on_after[-1] if on_after else nearest(hsx, later)
    return b or dated[0], a or dated[-1]


# ---------------------------------------------------------------------------------------- styling
_LAYERNAME = re.compile(r"\|layername=([^|]+)", re.I)


def display_name(layer: QgsMapLayer) -> str:
    """The layer's name as the project names it: ``layername=X`` in the source wins over the file name."""
    m = _LAYERNAME.search(layer.source())
    if m and (not layer.name() or Path(layer.source().split("|")[0]).stem == layer.name()):
        return m.group(1)
    return layer.name()


def _qcolor(text: str) -> QColor:
    text = text.strip()
    if text.startswith("#") and len(text) == 9:  # #rrggbbaa (CSS order) -> QColor
        c = QColor(text[:7])
        c.setAlpha(int(text[7:9], 16))
        return c
    return QColor(text)


def style_for(name: str, styles: dict) -> dict:
    for key, style in styles.items():
        if key != "default" and key in name:
            return style
    return styles.get("default", {"fill": "#bdbdbd44", "outline": "#757575"})


def _styled_context_layer(layer: QgsVectorLayer, styles: dict) -> QgsVectorLayer:
    """A copy of a context layer with the configured fill/outline (the user's layer is left untouched)."""
    clone = layer.clone()
    clone.setName(display_name(layer))
    style = style_for(clone.name(), styles)
    fill, outline = _qcolor(style.get("fill", "#00000000")), _qcolor(style.get("outline", "#000000"))
    symbol = QgsFillSymbol.createSimple({
        "color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}",
        "outline_color": f"{outline.red()},{outline.green()},{outline.blue()},{outline.alpha()}",
        "outline_width": str(style.get("width", 0.3)),
        "outline_width_unit": "MM",
    })
    if clone.geometryType() == 2:  # polygons; lines/points keep their own renderer
        clone.setRenderer(QgsSingleSymbolRenderer(symbol))
    return clone


# ---------------------------------------------------------------------------------------- renderer
@dataclass
class _Job:
    job: QgsMapRendererParallelJob
    settings: QgsMapSettings
    kind: str          # before | after | location
    label: str


class PendingMaps:
    """Renderer jobs started for one patch; ``result()`` waits for them and finishes the images."""

    def __init__(self, renderer: MapExcerptRenderer, geometry: QgsGeometry | None, jobs: list[_Job],
                 before: ImageryEpoch | None, after: ImageryEpoch | None):
        self.renderer, self.geometry, self.jobs = renderer, geometry, jobs
        self.before, self.after = before, after

    def result(self) -> MapImages:
        r = self.renderer
        out = MapImages(
            before_date=self.before.label if self.before else "",
            after_date=self.after.label if self.after else "",
            before_name=self.before.name if self.before else "",
            after_name=self.after.name if self.after else "",
            width_mm=r.excerpt_mm[0], height_mm=r.excerpt_mm[1],
            location_width_mm=r.location_mm[0], location_height_mm=r.location_mm[1],
        )
        for j in self.jobs:
            j.job.waitForFinished()
            image = j.job.renderedImage()
            r.decorate(image, j.settings, self.geometry, j.kind, j.label)
            setattr(out, j.kind, r.encode(image))
        return out


class MapExcerptRenderer:
    """Renders the map excerpts of many patches with shared layers and settings."""

    def __init__(self, epochs: Sequence[ImageryEpoch], context_layers: Sequence[QgsMapLayer] = (),
                 crs: QgsCoordinateReferenceSystem | None = None, config: dict | None = None):
        cfg = dict((config or {}).get("maps", {}))
        self.cfg = cfg
        self.dpi = float(cfg.get("dpi", 200))
        self.excerpt_mm = (float(cfg.get("excerpt_width_mm", 76)), float(cfg.get("excerpt_height_mm", 70)))
        self.location_mm = (float(cfg.get("location_width_mm", 156)), float(cfg.get("location_height_mm", 78)))
        self.margin = float(cfg.get("margin_factor", 0.6))
        self.min_extent = float(cfg.get("min_extent_m", 120))
        self.location_extent = float(cfg.get("location_extent_m", 1500))
        self.quality = int(cfg.get("jpeg_quality", 85))
        self.outline = _qcolor(cfg.get("patch_outline_colour", "#ff0000"))
        self.outline_mm = float(cfg.get("patch_outline_width_mm", 0.6))
        self.epochs = list(epochs)
        for e in self.epochs:
            if e.layer is None:
                e.layer = QgsRasterLayer(e.source, e.name, "gdal")
        if crs is None or not crs.isValid():
            crs = self.epochs[0].layer.crs() if self.epochs else QgsCoordinateReferenceSystem("EPSG:4527")
        self.crs = crs
        styles = cfg.get("styles", {})
        self.context = [_styled_context_layer(lyr, styles) if isinstance(lyr, QgsVectorLayer) else lyr
                        for lyr in context_layers if lyr is not None and lyr.isValid()]
        self.legend = [(lyr.name(), style_for(lyr.name(), styles)) for lyr in self.context
                       if isinstance(lyr, QgsVectorLayer)]
        self._transforms: dict[str, QgsCoordinateTransform] = {}
        self._base = {
            "excerpt": self._settings(self.excerpt_mm),
            "location": self._settings(self.location_mm),
        }

    def close(self) -> None:
        """Drop the layers and settings (before QGIS shuts down; QGIS objects must not outlive it)."""
        for e in self.epochs:
            e.layer = None
        self.epochs, self.context, self._base, self._transforms = [], [], {}, {}

    @property
    def has_imagery(self) -> bool:
        return bool(self.epochs)

    def _px(self, mm_value: float) -> int:
        return max(1, int(round(mm_value / MM_PER_INCH * self.dpi)))

    def _settings(self, size_mm: tuple[float, float]) -> QgsMapSettings:
        ms = QgsMapSettings()
        ms.setDestinationCrs(self.crs)
        ms.setOutputSize(QSize(self._px(size_mm[0]), self._px(size_mm[1])))
        ms.setOutputDpi(self.dpi)
        ms.setBackgroundColor(QColor(255, 255, 255))
        ms.setFlag(Qgis.MapSettingsFlag.Antialiasing, True)
        ms.setFlag(Qgis.MapSettingsFlag.DrawLabeling, False)
        ms.setTransformContext(QgsProject.instance().transformContext())
        return ms

    def to_map_crs(self, geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem) -> QgsGeometry:
        g = QgsGeometry(geometry)
        if crs.isValid() and crs != self.crs:
            key = crs.authid() or crs.toWkt()
            tr = self._transforms.get(key)
            if tr is None:
                tr = QgsCoordinateTransform(crs, self.crs, QgsProject.instance().transformContext())
                self._transforms[key] = tr
            g.transform(tr)
        return g

    def _extent(self, bbox: QgsRectangle, size_mm: tuple[float, float], minimum_m: float,
                margin: float) -> QgsRectangle:
        unit = 1.0
        if self.crs.isGeographic():  # metres -> degrees, near enough for framing
            unit = 1.0 / (111320.0 * max(0.2, math.cos(math.radians(bbox.center().y()))))
        w = max(bbox.width() * (1 + 2 * margin), minimum_m * unit)
        h = max(bbox.height() * (1 + 2 * margin), minimum_m * unit * size_mm[1] / size_mm[0])
        aspect = size_mm[0] / size_mm[1]
        if w / h > aspect:
            h = w / aspect
        else:
            w = h * aspect
        c = bbox.center()
        return QgsRectangle(c.x() - w / 2, c.y() - h / 2, c.x() + w / 2, c.y() + h / 2)

    def start(self, geometry: QgsGeometry | None, crs: QgsCoordinateReferenceSystem, qsx=None,
              hsx=None) -> PendingMaps | None:
        """Start rendering the excerpts of one patch (geometry in ``crs``); None without a geometry."""
        if geometry is None or geometry.isEmpty():
            return None
        g = self.to_map_crs(geometry, crs)
        bbox = g.boundingBox()
        jobs: list[_Job] = []
        before, after = choose_epochs(self.epochs, qsx, hsx)
        if before or after:
            extent = self._extent(bbox, self.excerpt_mm, self.min_extent, self.margin)
            for kind, epoch, label in (("before", before, "前时相"), ("after", after, "后时相")):
                if epoch is None:
                    continue
                ms = QgsMapSettings(self._base["excerpt"])
                ms.setLayers([epoch.layer])
                ms.setExtent(extent)
                jobs.append(self._launch(ms, kind, f"{label} {epoch.label}"))
        if self.context or self.epochs:
            ms = QgsMapSettings(self._base["location"])
            # context layers (first on top) over the after epoch, which shows what is there now
            layers = list(self.context) + ([after.layer] if after else [])
            ms.setLayers(layers)
            ms.setExtent(self._extent(bbox, self.location_mm, self.location_extent, 4.0))
            jobs.append(self._launch(ms, "location", "位置示意图"))
        return PendingMaps(self, g, jobs, before, after)

    def render(self, geometry: QgsGeometry | None, crs: QgsCoordinateReferenceSystem, qsx=None,
               hsx=None) -> MapImages | None:
        pending = self.start(geometry, crs, qsx, hsx)
        return pending.result() if pending else None

    @staticmethod
    def _launch(ms: QgsMapSettings, kind: str, label: str) -> _Job:
        job = QgsMapRendererParallelJob(ms)
        job.start()
        return _Job(job, ms, kind, label)

    # ------------------------------------------------------------------ decoration (QPainter)
    def _pt(self, points: float) -> float:
        """Typographic points -> pixels at the output resolution."""
        return points / 72.0 * self.dpi

    def decorate(self, image: QImage, ms: QgsMapSettings, geometry: QgsGeometry | None, kind: str, label: str) -> None:
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        try:
            if geometry is not None:
                self._draw_patch(p, ms, geometry, filled=(kind == "location"))
            self._draw_label(p, label)
            self._draw_north_arrow(p, image.width())
            self._draw_scale_bar(p, ms, image.height())
            if kind == "location" and self.legend:
                self._draw_legend(p, image.width(), image.height())
            p.setPen(QPen(QColor(60, 60, 60), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(1, 1, image.width() - 2, image.height() - 2))
        finally:
            p.end()

    def _map_to_image(self, ms: QgsMapSettings) -> QTransform:
        e = ms.visibleExtent()
        mupp = ms.mapUnitsPerPixel()
        return QTransform(1 / mupp, 0, 0, -1 / mupp, -e.xMinimum() / mupp, e.yMaximum() / mupp)

    def _draw_patch(self, p: QPainter, ms: QgsMapSettings, geometry: QgsGeometry, filled: bool) -> None:
        path: QPainterPath = self._map_to_image(ms).map(geometry.constGet().asQPainterPath())
        width_px = max(2.0, self.outline_mm / MM_PER_INCH * self.dpi)
        halo = QPen(QColor(255, 255, 255, 200), width_px + 3)
        halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(halo)
        p.drawPath(path)
        pen = QPen(self.outline, width_px)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        if filled:
            fill = QColor(self.outline)
            fill.setAlpha(110)
            p.setBrush(QBrush(fill))
        p.drawPath(path)
        if filled:  # a small patch on a large map: mark it with a ring so it can be found
            r = path.boundingRect()
            if max(r.width(), r.height()) < self._pt(12):
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(self.outline, max(2.0, width_px * 0.8)))
                p.drawEllipse(r.center(), self._pt(10), self._pt(10))

    def _font(self, points: float, bold: bool = False) -> QFont:
        f = QFont("WenQuanYi Micro Hei")
        f.setPixelSize(max(6, int(round(self._pt(points)))))
        f.setBold(bold)
        return f

    def _text_box(self, p: QPainter, x: float, y: float, text: str, points: float = 9, bold: bool = True) -> None:
        p.setFont(self._font(points, bold))
        fm = p.fontMetrics()
        pad = self._pt(2.5)
        rect = QRectF(x, y, fm.horizontalAdvance(text) + 2 * pad, fm.height() + pad)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 225))
        p.drawRect(rect)
        p.setPen(QColor(0, 0, 0))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_label(self, p: QPainter, label: str) -> None:
        self._text_box(p, self._pt(4), self._pt(4), label)

    def _draw_north_arrow(self, p: QPainter, width: int) -> None:
        """A north arrow in a white disc, "N" inside the disc, clear of the frame."""
        r = self._pt(13)
        cx, cy = width - self._pt(5) - r, self._pt(5) + r
        p.setPen(QPen(QColor(0, 0, 0), max(1.0, self._pt(0.6))))
        p.setBrush(QColor(255, 255, 255, 225))
        p.drawEllipse(QPointF(cx, cy), r, r)
        tip, base, notch, half = cy - 0.86 * r, cy + 0.2 * r, cy + 0.02 * r, 0.4 * r
        p.setBrush(QColor(0, 0, 0))
        p.drawPolygon(QPolygonF([QPointF(cx, tip), QPointF(cx - half, base), QPointF(cx, notch)]))
        p.setBrush(QColor(255, 255, 255))
        p.drawPolygon(QPolygonF([QPointF(cx, tip), QPointF(cx + half, base), QPointF(cx, notch)]))
        p.setFont(self._font(7, True))
        p.setPen(QColor(0, 0, 0))
        p.drawText(QRectF(cx - r, base, 2 * r, cy + 0.92 * r - base),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, "N")

    def _draw_scale_bar(self, p: QPainter, ms: QgsMapSettings, height: int) -> None:
        mupp = ms.mapUnitsPerPixel()
        metres_per_px = mupp
        if self.crs.isGeographic():
            lat = ms.visibleExtent().center().y()
            metres_per_px = mupp * 111320.0 * math.cos(math.radians(lat))
        if metres_per_px <= 0:
            return
        width_px = ms.outputSize().width()
        target = width_px * 0.28 * metres_per_px
        exp = 10 ** math.floor(math.log10(target))
        length_m = max(n * exp for n in (1, 2, 5) if n * exp <= target)
        bar_px = length_m / metres_per_px
        unit = "km" if length_m >= 1000 else "m"
        shown = length_m / 1000 if unit == "km" else length_m
        x0, y0 = self._pt(6), height - self._pt(8)
        bh = self._pt(3)
        p.setFont(self._font(7))
        fm = p.fontMetrics()
        text_h = fm.height()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 225))
        p.drawRect(QRectF(x0 - self._pt(2.5), y0 - bh - text_h - self._pt(2),
                          bar_px + self._pt(5) + fm.horizontalAdvance(f" {shown:g} {unit}"),
                          bh + text_h + self._pt(4)))
        p.setPen(QPen(QColor(0, 0, 0), max(1.0, self._pt(0.4))))
        for i in range(4):
            p.setBrush(QColor(0, 0, 0) if i % 2 == 0 else QColor(255, 255, 255))
            p.drawRect(QRectF(x0 + i * bar_px / 4, y0 - bh, bar_px / 4, bh))
        p.setPen(QColor(0, 0, 0))
        p.drawText(QPointF(x0 - fm.horizontalAdvance("0") / 2, y0 - bh - self._pt(1)), "0")
        p.drawText(QPointF(x0 + bar_px - fm.horizontalAdvance(f"{shown:g}") / 2, y0 - bh - self._pt(1)),
                   f"{shown:g} {unit}")

    def _draw_legend(self, p: QPainter, width: int, height: int) -> None:
        items = [("监测图斑", {"fill": "#ff00006e", "outline": "#ff0000"})] + self.legend
        p.setFont(self._font(7))
        fm = p.fontMetrics()
        row = fm.height() + self._pt(1.5)
        sw = self._pt(9)
        box_w = sw + self._pt(4) + max(fm.horizontalAdvance(n) for n, _ in items) + self._pt(6)
        box_h = row * len(items) + self._pt(4)
        x0, y0 = width - box_w - self._pt(4), height - box_h - self._pt(4)
        p.setPen(QPen(QColor(90, 90, 90), 1))
        p.setBrush(QColor(255, 255, 255, 235))
        p.drawRect(QRectF(x0, y0, box_w, box_h))
        for i, (name, style) in enumerate(items):
            y = y0 + self._pt(2) + i * row
            p.setBrush(_qcolor(style.get("fill", "#00000000")))
            p.setPen(QPen(_qcolor(style.get("outline", "#000000")), max(1.0, self._pt(0.8))))
            p.drawRect(QRectF(x0 + self._pt(3), y + row * 0.2, sw, row * 0.6))
            p.setPen(QColor(0, 0, 0))
            p.drawText(QRectF(x0 + self._pt(3) + sw + self._pt(2), y, box_w, row),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)

    def encode(self, image: QImage) -> bytes:
        """JPEG bytes of an excerpt.  The rendered image is opaque (white background), so Qt's JPEG
        writer reads its premultiplied pixels as they are: converting to RGB32 first gave the very
        same bytes at 2.5 times the cost."""
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "JPG", self.quality)
        buf.close()
        return bytes(data)
