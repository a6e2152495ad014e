"""Export of a field package (外业核查包) that QField opens as it is.

A folder::

    外业核查.qgz        the project (relative paths, forms for a phone)
    外业核查.gpkg       layer 外业核查 (one row per patch, filled on site) and table 核查照片 (photos)
    底图.gpkg           read-only base layers clipped to the patches' surroundings: the patches with their
                        overlay figures and determination, 永久基本农田, 生态保护红线, 三调 land use
    影像/               the before/after imagery epochs (前时相/后时相), clipped, JPEG-compressed, overviews
    DCIM/               where QField stores the photos (relative to the project)

The folder is written under a temporary name beside the target and renamed when complete, so a
half-written package never looks like a finished one.  Metadata for the import (package id, the
register it was exported from, case numbers, imagery dates) is kept in table ``liangwei_package`` of
the GeoPackage; QField does not show it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsAttributeEditorContainer,
    QgsAttributeEditorField,
    QgsAttributeEditorRelation,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDefaultValue,
    QgsEditorWidgetSetup,
    QgsFeatureRequest,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsRelation,
    QgsRelationContext,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from ..feedback import Feedback, check_canceled, ensure_feedback
from ..fieldmap import resolve_field
from ..log import logger
from .config import META_TABLE, PACKAGE_FORMAT, FieldworkConfig, FieldworkError, load_config

# the columns of 外业核查, in form order (PZWH: the approval or 设施农用地 filing number seen on site)
FIELD_NAMES = ("JCBH", "HCJL", "HCSM", "XZLX", "PZWH", "XMMC", "XMZT", "JSSJ", "HCR", "HCSJ")
_DATE_IN_NAME = re.compile(r"(20\d{2})[-_.]?([01]\d)[-_.]?([0-3]\d)")


@dataclass
class Epoch:
    """An imagery epoch (影像时相): a raster and its acquisition date."""

    path: str
    date: dt.date | None = None
    name: str = ""


@dataclass
class BaseLayer:
    """A read-only base layer for the package: a QGIS vector layer and its one-map role."""

    layer: QgsVectorLayer
    role: str = "protected"    # protected | planning | landuse | boundary
    name: str = ""


@dataclass
class PackageResult:
    folder: Path
    project: Path
    patches: list[str] = field(default_factory=list)
    layers: list[str] = field(default_factory=list)
    epochs: list[Epoch] = field(default_factory=list)
    size_bytes: int = 0
    warnings: list[str] = field(default_factory=list)


def epoch_date(path: str, name: str = "") -> dt.date | None:
    """An imagery date from a name such as ``epoch_20250518.tif`` / ``影像 2025-05-18``, or GDAL metadata."""
    for text in (name, Path(path).name):
        m = _DATE_IN_NAME.search(text or "")
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    try:
        from osgeo import gdal

        ds = gdal.Open(str(path))
        meta = ds.GetMetadata() if ds is not None else {}
        for key in ("ACQUISITIONDATETIME", "ACQUISITION_DATE", "TIFFTAG_DATETIME", "DATE"):
            m = _DATE_IN_NAME.search(meta.get(key, ""))
            if m:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except (RuntimeError, ValueError, ImportError):
        pass
    return None


def catalogue_inputs(catalogue) -> tuple[list[BaseLayer], list[Epoch]]:
    """Base layers (三调, 永久基本农田, 生态保护红线) and epochs from a one-map catalogue."""
    from ..onemap.catalogue import Catalogue, load_catalogue

    if not isinstance(catalogue, Catalogue):
        catalogue = load_catalogue(catalogue)
    wanted = ("永久基本农田", "生态保护红线", "生态红线")
    base, epochs = [], []
    for entry in catalogue.entries:
        if entry.role == "imagery":
            epochs.append(Epoch(entry.source, entry.date, entry.name))
        elif entry.role == "landuse" or (entry.role in ("protected", "planning")
                                         and any(w in entry.name for w in wanted)):
            layer = QgsVectorLayer(entry.source, entry.name, "ogr")
            if not layer.isValid():
                raise FieldworkError(f"{entry.label}：无法打开 {entry.path}")
            base.append(BaseLayer(layer, entry.role, entry.name))
    return base, epochs


def _township_filter(layer: QgsVectorLayer, township: str | None) -> str | None:
    if not township:
        return None
    names = [f.name() for f in layer.fields()]
    fields = [f for f in (resolve_field(names, "XZQMC"), resolve_field(names, "XZQDM"), "zldwmc", "zldwdm")
              if f and f in names]
    if not fields:
        raise FieldworkError(f"图层“{layer.name()}”没有乡镇字段（XZQMC/XZQDM 或其别名），无法按乡镇“{township}”筛选")
    value = township.replace("'", "''")
    return " OR ".join(f"\"{f}\" = '{value}' OR \"{f}\" LIKE '{value}%'" for f in fields)


def _margin_extent(rect: QgsRectangle, crs: QgsCoordinateReferenceSystem, margin_m: float) -> QgsRectangle:
    margin = margin_m / 111_000.0 if crs.isGeographic() else margin_m
    out = QgsRectangle(rect)
    out.grow(margin)
    return out


def _extent_in(rect: QgsRectangle, source: QgsCoordinateReferenceSystem,
               target: QgsCoordinateReferenceSystem) -> QgsRectangle:
    if not source.isValid() or not target.isValid() or source == target:
        return QgsRectangle(rect)
    ct = QgsCoordinateTransform(source, target, QgsProject.instance().transformContext())
    return ct.transformBoundingBox(rect)


def _write_layer(layer: QgsVectorLayer, gpkg: Path, name: str, request_fids=None, extent=None) -> None:
    """Write ``layer`` (only ``request_fids``, or only what intersects ``extent``) as ``name`` into ``gpkg``."""
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name
    options.fileEncoding = "UTF-8"
    options.actionOnExistingFile = (QgsVectorFileWriter.ActionOnExistingFile.CreateOrOverwriteLayer if gpkg.exists()
                                    else QgsVectorFileWriter.ActionOnExistingFile.CreateOrOverwriteFile)
    if extent is not None:
        options.filterExtent = extent
    if request_fids is not None:
        # SaveVectorOptions has no fid filter: write a memory copy of just these features
        layer = layer.materialize(QgsFeatureRequest().setFilterFids(list(request_fids)))
    err, msg, _path, _layer = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(gpkg), QgsProject.instance().transformContext(), options)
    if err != QgsVectorFileWriter.WriterError.NoError:
        raise FieldworkError(f"无法写入图层“{name}”到 {gpkg.name}：{msg}")


def _create_field_tables(gpkg: Path, cfg: FieldworkConfig, patches: list[tuple[str, bytes]],
                         crs: QgsCoordinateReferenceSystem, meta: dict) -> None:
    """外业核查 (one row per patch), 核查照片 (photos) and the metadata table, through OGR."""
    from osgeo import ogr, osr

    drv = ogr.GetDriverByName("GPKG")
    ds = drv.CreateDataSource(str(gpkg))
    if ds is None:
        raise FieldworkError(f"无法创建 {gpkg}")
    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs.toWkt(Qgis.CrsWktVariant.Preferred))
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lyr = ds.CreateLayer(cfg.layer, srs, ogr.wkbMultiPolygon, ["GEOMETRY_NAME=geom", "FID=fid"])
    types = {"JSSJ": ogr.OFTDate, "HCSJ": ogr.OFTDateTime}
    for name in FIELD_NAMES:
        fd = ogr.FieldDefn(name, types.get(name, ogr.OFTString))
        if name == "JCBH":
            fd.SetNullable(False)
        fd.SetAlternativeName(cfg.labels.get(name, name))
        lyr.CreateField(fd)
    lyr.StartTransaction()
    for jcbh, wkb in patches:
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("JCBH", jcbh)
        g = ogr.CreateGeometryFromWkb(wkb)
        f.SetGeometry(ogr.ForceToMultiPolygon(g))
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    photos = ds.CreateLayer(cfg.photo_table, None, ogr.wkbNone, ["FID=fid"])
    for name in ("JCBH", "ZP"):
        fd = ogr.FieldDefn(name, ogr.OFTString)
        fd.SetAlternativeName(cfg.photo_labels.get(name, name))
        photos.CreateField(fd)
    table = ds.CreateLayer(META_TABLE, None, ogr.wkbNone, ["FID=fid"])
    table.CreateField(ogr.FieldDefn("key", ogr.OFTString))
    table.CreateField(ogr.FieldDefn("value", ogr.OFTString))
    for k, v in meta.items():
        f = ogr.Feature(table.GetLayerDefn())
        f.SetField("key", k)
        f.SetField("value", v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        table.CreateFeature(f)
    ds.ExecuteSQL(f"CREATE INDEX IF NOT EXISTS \"ix_photo_jcbh\" ON \"{cfg.photo_table}\" (JCBH)")
    ds = None


def _clip_epoch(epoch: Epoch, out: Path, extent: QgsRectangle, crs: QgsCoordinateReferenceSystem,
                cfg: FieldworkConfig) -> None:
    """Clip an epoch to ``extent`` (in ``crs``): JPEG-in-TIFF, tiled, overviews, at most imagery_max_px."""
    from osgeo import gdal

    src = gdal.Open(str(epoch.path))
    if src is None:
        raise FieldworkError(f"影像 {epoch.path} 无法打开")
    raster = QgsRasterLayer(str(epoch.path), "r", "gdal")
    rect = _extent_in(extent, crs, raster.crs()).intersect(raster.extent())
    if rect.isEmpty():
        raise FieldworkError(f"影像 {Path(epoch.path).name} 不覆盖图斑所在范围")
    gt = src.GetGeoTransform()
    px = abs(gt[1])
    res = max(px, rect.width() / cfg.imagery_max_px, rect.height() / cfg.imagery_max_px)
    bands = src.RasterCount
    byte = src.GetRasterBand(1).DataType == gdal.GDT_Byte
    options = ["TILED=YES", "BIGTIFF=IF_SAFER"]
    if byte and bands in (3, 4):
        options += ["COMPRESS=JPEG", f"JPEG_QUALITY={cfg.imagery_jpeg_quality}"]
        if bands == 3:
            options.append("PHOTOMETRIC=YCBCR")
    else:
        options += ["COMPRESS=DEFLATE"]
    tmp = out.with_suffix(".part.tif")
    ds = gdal.Translate(str(tmp), src, projWin=[rect.xMinimum(), rect.yMaximum(), rect.xMaximum(), rect.yMinimum()],
                        xRes=res, yRes=res, resampleAlg="average" if res > px else "nearest",
                        creationOptions=options)
    if ds is None:
        raise FieldworkError(f"影像 {Path(epoch.path).name} 裁剪失败：{gdal.GetLastErrorMsg()}")
    levels, size = [], max(ds.RasterXSize, ds.RasterYSize)
    while size / (2 ** (len(levels) + 1)) >= 256:
        levels.append(2 ** (len(levels) + 1))
    if levels:
        gdal.SetConfigOption("COMPRESS_OVERVIEW", "JPEG" if byte and bands in (3, 4) else "DEFLATE")
        try:
            ds.BuildOverviews("AVERAGE", levels)
        finally:
            gdal.SetConfigOption("COMPRESS_OVERVIEW", None)
    if epoch.date:
        ds.SetMetadataItem("ACQUISITIONDATETIME", epoch.date.isoformat())
    ds = None
    os.replace(tmp, out)


def _value_map(values) -> QgsEditorWidgetSetup:
    return QgsEditorWidgetSetup("ValueMap", {"map": [{v: v} for v in values]})


def configure_field_forms(layer: QgsVectorLayer, photos: QgsVectorLayer, project: QgsProject,
                          cfg: FieldworkConfig) -> QgsRelation:
    """Phone forms: Chinese aliases, value maps, HCSJ = now(), HCR remembered, photos through a relation."""
    fields = layer.fields()
    for name, label in cfg.labels.items():
        idx = fields.lookupField(name)
        if idx >= 0:
            layer.setFieldAlias(idx, label)
    idx = fields.lookupField
    layer.setEditorWidgetSetup(idx("HCJL"), _value_map(cfg.conclusions))
    layer.setEditorWidgetSetup(idx("XZLX"), _value_map(list(cfg.stock)))
    layer.setEditorWidgetSetup(idx("HCSM"), QgsEditorWidgetSetup("TextEdit", {"IsMultiline": True, "UseHtml": False}))
    for name in ("JCBH", "PZWH", "XMMC", "XMZT", "HCR"):
        layer.setEditorWidgetSetup(idx(name), QgsEditorWidgetSetup("TextEdit", {"IsMultiline": False}))
    layer.setEditorWidgetSetup(idx("JSSJ"), QgsEditorWidgetSetup("DateTime", {
        "field_format": "yyyy-MM-dd", "display_format": "yyyy-MM-dd", "calendar_popup": True, "allow_null": True}))
    layer.setEditorWidgetSetup(idx("HCSJ"), QgsEditorWidgetSetup("DateTime", {
        "field_format": "yyyy-MM-dd HH:mm:ss", "display_format": "yyyy-MM-dd HH:mm", "calendar_popup": True,
        "allow_null": True}))
    # HCSJ: the rows exist before the visit, so a plain default (applied on creation only) would never fire:
    # on the first edit the time is filled in, later edits keep it
    layer.setDefaultValueDefinition(idx("HCSJ"), QgsDefaultValue("coalesce(\"HCSJ\", now())", True))
    form = layer.editFormConfig()
    form.setReadOnly(idx("JCBH"), True)
    form.setReadOnly(idx("fid"), True)
    form.setReuseLastValue(idx("HCR"), True)
    form.setLayout(Qgis.AttributeFormLayout.DragAndDrop)
    photo_fields = photos.fields()
    for name, label in cfg.photo_labels.items():
        if photo_fields.lookupField(name) >= 0:
            photos.setFieldAlias(photo_fields.lookupField(name), label)
    photos.setEditorWidgetSetup(photo_fields.lookupField("ZP"), QgsEditorWidgetSetup("ExternalResource", {
        "DocumentViewer": 1,          # image viewer
        "DocumentViewerHeight": 240, "DocumentViewerWidth": 0,
        "FileWidget": True, "FileWidgetButton": True, "FileWidgetFilter": "",
        "RelativeStorage": 1,         # relative to the project path
        "StorageMode": 0,             # files
        "UseLink": False, "FullUrl": False,
    }))
    photos.setEditorWidgetSetup(photo_fields.lookupField("fid"), QgsEditorWidgetSetup("Hidden", {}))
    pform = photos.editFormConfig()
    pform.setReadOnly(photo_fields.lookupField("JCBH"), True)
    pform.setReadOnly(photo_fields.lookupField("fid"), True)
    photos.setEditFormConfig(pform)
    # QField (and QFieldSync) name new attachments with this expression: DCIM/<JCBH>_<time>.jpg
    naming = {"ZP": f"'{cfg.photo_folder}/' || \"JCBH\" || '_' || format_date(now(),'yyyyMMdd_hhmmsszzz') || '.jpg'"}
    photos.setCustomProperty("QFieldSync/photo_naming", json.dumps(naming, ensure_ascii=False))
    photos.setCustomProperty("QFieldSync/attachment_naming", json.dumps(naming, ensure_ascii=False))
    for lyr in (layer, photos):
        lyr.setCustomProperty("QFieldSync/action", "offline")
        lyr.setCustomProperty("QFieldSync/cloud_action", "offline")

    relation = QgsRelation(QgsRelationContext(project))
    relation.setId("fieldwork_photos")
    relation.setName(f"{cfg.layer}的{cfg.photo_table}")
    relation.setReferencedLayer(layer.id())
    relation.setReferencingLayer(photos.id())
    relation.addFieldPair("JCBH", "JCBH")
    relation.setStrength(Qgis.RelationshipStrength.Composition)
    if not relation.isValid():
        raise FieldworkError(f"无法建立“{cfg.layer}”与“{cfg.photo_table}”的关联：{relation.validationError()}")
    project.relationManager().addRelation(relation)

    root = form.invisibleRootContainer()
    root.clear()
    tab = QgsAttributeEditorContainer("核查", root)
    tab.setType(Qgis.AttributeEditorContainerType.Tab)
    for name in FIELD_NAMES:
        tab.addChildElement(QgsAttributeEditorField(name, idx(name), tab))
    root.addChildElement(tab)
    photo_tab = QgsAttributeEditorContainer("照片", root)
    photo_tab.setType(Qgis.AttributeEditorContainerType.Tab)
    editor = QgsAttributeEditorRelation(relation, photo_tab)
    editor.setRelationWidgetTypeId("relation_editor")
    editor.setLabel("核查照片")
    photo_tab.addChildElement(editor)
    root.addChildElement(photo_tab)
    layer.setEditFormConfig(form)
    # QField's feature list and the identify results show the patch number
    layer.setDisplayExpression("\"JCBH\" || coalesce(' ' || \"HCJL\", '')")
    photos.setDisplayExpression("\"ZP\"")
    return relation


def export_field_package(patches: QgsVectorLayer, id_field: str, output_folder: str | Path, *,
                         township: str | None = None, epochs: list[Epoch] | None = None,
                         base_layers: list[BaseLayer] | None = None, register=None,
                         config: FieldworkConfig | None = None, title: str = "外业核查",
                         feedback: Feedback | None = None) -> PackageResult:
    """Write the field package for the patches of ``patches`` (optionally one township's) to ``output_folder``.

    ``epochs``: imagery; the two latest become 前时相 (before) and 后时相 (after).  ``base_layers``: read-only
    layers clipped to the patches' surroundings.  ``register``: an open Register — the package then records
    the case number of each patch, and the import refuses a different register.
    """
    from ..onemap.catalogue import CatalogueEntry
    from ..onemap.project_builder import apply_style

    fb = ensure_feedback(feedback)
    cfg = config or load_config()
    out = Path(output_folder)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FieldworkError(
            f"输出文件夹 {out} 已存在且不为空：请指定一个新的（或空的）文件夹，以免覆盖已有的外业核查包")
    names = [f.name() for f in patches.fields()]
    if id_field not in names:
        raise FieldworkError(f"图层“{patches.name()}”没有编号字段“{id_field}”（字段：{'、'.join(names)}）")
    if patches.geometryType() != Qgis.GeometryType.Polygon:
        raise FieldworkError(f"图层“{patches.name()}”不是面图层：外业核查包需要图斑面")
    request = QgsFeatureRequest()
    expr = _township_filter(patches, township)
    if expr:
        request.setFilterExpression(expr)
    rows, fids, seen, extent = [], [], set(), QgsRectangle()
    extent.setMinimal()
    hsx_field = resolve_field(names, "HSX")
    hsx_by_patch = {}
    for feat in patches.getFeatures(request):
        jcbh = feat[id_field]
        if jcbh is None or str(jcbh).strip() in ("", "NULL"):
            raise FieldworkError(f"图层“{patches.name()}”要素 {feat.id()} 的编号（{id_field}）为空")
        jcbh = str(jcbh).strip()
        if jcbh in seen:
            raise FieldworkError(f"图层“{patches.name()}”中编号 {jcbh} 重复：外业核查每个图斑一行，编号须唯一")
        geom = feat.geometry()
        if geom is None or geom.isEmpty():
            raise FieldworkError(f"图层“{patches.name()}”图斑 {jcbh} 没有图形")
        seen.add(jcbh)
        rows.append((jcbh, bytes(geom.asWkb())))
        fids.append(feat.id())
        extent.combineExtentWith(geom.boundingBox())
        if hsx_field:
            v = feat[hsx_field]
            hsx_by_patch[jcbh] = v.toString("yyyy-MM-dd") if hasattr(v, "toString") else (str(v) if v else "")
    if not rows:
        where = f"乡镇“{township}”" if township else "图层"
        raise FieldworkError(f"{where}中没有可导出的图斑（图层“{patches.name()}”）")
    crs = patches.crs()
    area = _margin_extent(extent, crs, cfg.margin_m)

    epochs = sorted([e for e in (epochs or [])], key=lambda e: e.date or dt.date.min)
    for e in epochs:
        e.date = e.date or epoch_date(e.path, e.name)
    epochs = sorted(epochs, key=lambda e: e.date or dt.date.min)[-2:]
    cases = {}
    register_desc = ""
    if register is not None:
        register_desc = register.description
        found = {c["patch_id"]: c["case_no"] for c in register.find_cases(columns=["case_no", "patch_id"])
                 if c.get("patch_id")}
        cases = {j: found[j] for j, _ in rows if j in found}
        missing = [j for j, _ in rows if j not in found]
        if missing:
            fb.warning(f"{len(missing)} 个图斑尚未登记到台账 {register_desc}（如 {'、'.join(missing[:5])}）："
                       "导入核查结果前请先登记案件")
    tmp = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        (tmp / cfg.photo_folder).mkdir()
        meta = {"format": PACKAGE_FORMAT, "package_id": uuid.uuid4().hex, "created": dt.datetime.now().isoformat(
            timespec="seconds"), "register": register_desc, "cases": cases, "hsx": hsx_by_patch,
            "epochs": [{"name": e.name, "date": e.date.isoformat() if e.date else None} for e in epochs],
            "township": township or "", "id_field": id_field, "source_layer": patches.name()}
        _create_field_tables(tmp / cfg.geopackage, cfg, rows, crs, meta)
        fb.set_progress(10)
        base_gpkg = tmp / cfg.base_geopackage
        base_written: list[tuple[str, str]] = []   # (layer name, role)
        _write_layer(patches, base_gpkg, "监测图斑", request_fids=fids)
        base_written.append(("监测图斑", "patches"))
        for n, base in enumerate(base_layers or []):
            check_canceled(fb)
            name = base.name or base.layer.name()
            rect = _extent_in(area, crs, base.layer.crs())
            _write_layer(base.layer, base_gpkg, name, extent=rect)
            base_written.append((name, base.role))
            fb.set_progress(10 + 30 * (n + 1) / max(1, len(base_layers or [])))
        epoch_files: list[tuple[Epoch, str, str]] = []
        labels = ["后时相"] if len(epochs) == 1 else ["前时相", "后时相"]
        if epochs:
            (tmp / cfg.imagery_folder).mkdir()
        for epoch, label in zip(epochs, labels):
            check_canceled(fb)
            stamp = epoch.date.strftime("%Y%m%d") if epoch.date else Path(epoch.path).stem
            rel = f"{cfg.imagery_folder}/{label}_{stamp}.tif"
            _clip_epoch(epoch, tmp / rel, area, crs, cfg)
            epoch_files.append((epoch, label, rel))
            fb.set_progress(40 + 40 * len(epoch_files) / len(epochs))

        project = QgsProject()
        project.setTitle(title)
        project.writeEntryBool("Paths", "/Absolute", False)
        project.setFilePathStorage(Qgis.FilePathType.Relative)
        project.setCrs(crs)
        if crs.ellipsoidAcronym():
            project.setEllipsoid(crs.ellipsoidAcronym())
        root = project.layerTreeRoot()
        field_layer = QgsVectorLayer(f"{tmp / cfg.geopackage}|layername={cfg.layer}", cfg.layer, "ogr")
        photo_layer = QgsVectorLayer(f"{tmp / cfg.geopackage}|layername={cfg.photo_table}", cfg.photo_table, "ogr")
        if not field_layer.isValid() or not photo_layer.isValid():
            raise FieldworkError(f"刚写入的 {cfg.geopackage} 无法打开")
        project.addMapLayer(field_layer, False)
        project.addMapLayer(photo_layer, False)
        field_entry = CatalogueEntry(0, "patches", "", field_layer.source(), cfg.layer)
        apply_style(field_layer, field_entry)
        relabel_ok = field_layer.fields().lookupField("JCBH") >= 0
        if relabel_ok:
            from ..onemap.styles import relabel_field

            relabel_field(field_layer, "JCBH")
        configure_field_forms(field_layer, photo_layer, project, cfg)
        root.addLayer(field_layer)
        root.addLayer(photo_layer)
        base_group = root.addGroup("底图")
        for index, (name, role) in enumerate(base_written, start=1):
            lyr = QgsVectorLayer(f"{base_gpkg}|layername={name}", name, "ogr")
            if not lyr.isValid():
                raise FieldworkError(f"底图图层“{name}”写入后无法打开")
            entry = replace(CatalogueEntry(index, role, "", lyr.source(), name),
                            options={"layername": name})
            apply_style(lyr, entry)
            lyr.setReadOnly(True)
            lyr.setCustomProperty("QFieldSync/action", "copy")
            project.addMapLayer(lyr, False)
            node = base_group.addLayer(lyr)
            if role == "landuse":
                node.setItemVisibilityChecked(False)   # a full-cover fill would hide the imagery
                node.setExpanded(False)
        if epoch_files:
            img_group = root.addGroup("影像")
            for epoch, label, rel in reversed(epoch_files):   # 后时相 on top
                name = f"{label} {epoch.date.isoformat() if epoch.date else ''}".strip()
                r = QgsRasterLayer(str(tmp / rel), name, "gdal")
                if not r.isValid():
                    raise FieldworkError(f"裁剪后的影像 {rel} 无法打开")
                r.setCustomProperty("liangwei/role", "imagery")
                if epoch.date:
                    r.setCustomProperty("liangwei/date", epoch.date.isoformat())
                r.setCustomProperty("QFieldSync/action", "copy")
                project.addMapLayer(r, False)
                node = img_group.addLayer(r)
                node.setItemVisibilityChecked(label == "后时相")
        view = _margin_extent(extent, crs, 50)
        project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(view, crs))
        qgz = tmp / cfg.project
        project.setFileName(str(qgz))
        if not project.write():
            raise FieldworkError(f"无法写入项目文件 {cfg.project}：{project.error()}")
        project.clear()
        fb.set_progress(95)
        size = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
        if out.exists():
            out.rmdir()   # empty (checked above)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result = PackageResult(out, out / cfg.project, [j for j, _ in rows],
                           [n for n, _ in base_written], [e for e, _, _ in epoch_files], size)
    msg = (f"外业核查包已写入 {out}：{len(rows)} 个图斑，底图 {len(base_written)} 层，影像 {len(epoch_files)} 期，"
           f"共 {size / 1e6:.1f} MB")
    logger.info(msg)
    fb.info(msg)
    fb.set_progress(100)
    return result
