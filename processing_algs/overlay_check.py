"""liangwei:overlaycheck (图斑叠加分析) — thin wrapper over liangwei_plugin.overlay."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsField,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtCore import QMetaType

from ..liangwei_plugin import overlay as ov
from ..liangwei_plugin.feedback import Canceled, ProgressSlice
from ..liangwei_plugin.fieldmap import resolve_field
from ..liangwei_plugin.qgis_io import (
    LayerInputError,
    layer_crs_id,
    layer_display_name,
    layer_to_gdf,
    near_reader,
    require_polygon_layer,
    rows_to_sink,
)
from ..liangwei_plugin.qgis_io import (
    column_values as _column_values,
)
from ..liangwei_plugin.vector_io import patch_envelopes
from .base import FeedbackProgress, LiangweiAlgorithm, StyleOnLoad

#: fields naming a protected area inside a protected layer (detail rows per name)
NAME_FIELDS = ("MC", "名称", "NAME", "BHQMC", "ZRBHDMC", "GHFQMC")

DOUBLE_FIELDS = {"area_m2", "area_mu", "farmland_m2", "farmland_mu", "construction_m2", "agricultural_m2",
                 "unused_m2", "share"}


def _layer_extent(layer) -> dict:
    """The whole layer's extent and declared CRS (None: it has none) for the engine's input checks."""
    ext = layer.extent()
    if ext is None or ext.isNull():
        return {}
    return {"extent": (ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()),
            "source_crs": layer_crs_id(layer)}


class OverlayCheckAlgorithm(LiangweiAlgorithm):
    ALG_ID = "overlaycheck"
    GROUP_ID = "review"

    PATCHES = "PATCHES"
    ID_FIELD = "ID_FIELD"
    LANDUSE = "LANDUSE"
    LANDUSE_FIELD = "LANDUSE_FIELD"
    PROTECTED = "PROTECTED"
    AREA_METHOD = "AREA_METHOD"
    OUTPUT = "OUTPUT"
    OUTPUT_DETAIL = "OUTPUT_DETAIL"

    METHODS = (ov.ELLIPSOIDAL, ov.PLANAR)

    def displayName(self) -> str:  # noqa: N802
        return self.tr("图斑叠加分析")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "逐个监测图斑计算其占用的各地类面积（三调地类图斑，按地类编码）和各保护/规划图层面积，"
            "输出平方米和亩（1亩 = 10000/15 平方米）。\n"
            "默认按 CGCS2000 椭球计算椭球面积（测地线多边形面积，与 QGIS 设置椭球后的面积一致）；"
            "也可选择图层投影坐标系下的平面面积。每条结果记录所用方法（area_method）。\n"
            "其他坐标系的图层自动投影；无效几何用 make_valid 修复（保留全部面状部分）并逐图斑记录"
            "（repaired、repair_note）；空几何保留并按 0 计；重复编号全部保留，后出现者加“#序号”。\n"
            "输出：图斑（原字段 + 面积汇总字段，每个保护图层一个“图层名_m2”字段）和明细表"
            "（每图斑 × 图层 × 地类一行：patch_id、layer、class_code、class_name、area_m2、area_mu、share）。"
            "仅边界接触（面积为 0）的不产生明细行。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.PATCHES, self.tr("监测图斑图层"), [Qgis.ProcessingSourceType.VectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.ID_FIELD, self.tr("图斑编号字段（默认 JCBH、TBBH、BSM 中第一个存在的）"),
            parentLayerParameterName=self.PATCHES, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.LANDUSE, self.tr("三调地类图斑图层"), [Qgis.ProcessingSourceType.VectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.LANDUSE_FIELD, self.tr("地类编码字段"), defaultValue="DLBM",
            parentLayerParameterName=self.LANDUSE, optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.PROTECTED, self.tr("保护区/规划管控图层（可多选，按图层名分别统计）"),
            Qgis.ProcessingSourceType.VectorPolygon, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.AREA_METHOD, self.tr("面积计算方法"),
            [self.tr("椭球面积（CGCS2000 椭球，默认）"), self.tr("平面面积（图层投影坐标系）")], defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("叠加结果图斑"), Qgis.ProcessingSourceType.VectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT_DETAIL, self.tr("叠加明细表"), Qgis.ProcessingSourceType.Vector))

    # ------------------------------------------------------------------
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        fb = FeedbackProgress(feedback)
        try:
            return self._run(parameters, context, feedback, fb)
        except (ov.OverlayInputError, LayerInputError) as e:
            raise QgsProcessingException(str(e)) from e
        except Canceled:
            return {}

    def _run(self, parameters, context, feedback, fb):
        patches_layer = self.parameterAsVectorLayer(parameters, self.PATCHES, context)
        if patches_layer is None:
            raise QgsProcessingException(self.tr("无法读取监测图斑图层（参数 PATCHES）：需要矢量面图层。"))
        require_polygon_layer(patches_layer, self.tr("监测图斑"))
        patches_name = layer_display_name(patches_layer)
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context) or None
        landuse_layer = self.parameterAsVectorLayer(parameters, self.LANDUSE, context)
        # a field the user named must exist; only the default (DLBM) is looked up among its aliases
        landuse_field = self.parameterAsString(parameters, self.LANDUSE_FIELD, context) or "DLBM"
        protected_layers = self.parameterAsLayerList(parameters, self.PROTECTED, context)
        method = self.METHODS[self.parameterAsEnum(parameters, self.AREA_METHOD, context)]

        if landuse_layer is not None:
            require_polygon_layer(landuse_layer, self.tr("三调地类图斑"))
        for lyr in protected_layers:
            require_polygon_layer(lyr, self.tr("保护区/规划管控图层"))

        # ---- read
        fb.info(self.tr("读取图斑图层「{layer}」…").format(layer=patches_name))
        patches = layer_to_gdf(patches_layer, feedback=fb)
        if id_field is not None and id_field not in patches.columns:
            raise QgsProcessingException(self.tr("图层「{layer}」没有字段「{field}」").format(
                layer=patches_name, field=id_field))
        near_crs = patches.crs
        near_cache = []

        def near():  # patch envelopes, for layers read through QGIS (the engine reads files itself)
            if near_crs is None:  # patches without CRS (the engine infers it): nothing to filter by
                return None
            if not near_cache:
                near_cache.append(patch_envelopes(patches.geometry.values))
            return near_cache[0]
        fb.set_progress(5)

        landuse = None
        if landuse_layer is not None:
            names = [f.name() for f in landuse_layer.fields()]
            if landuse_field in names:
                code_field = landuse_field
            elif landuse_field.upper() == "DLBM":
                code_field = resolve_field(names, "DLBM")
            else:
                code_field = None
            if code_field is None:
                raise QgsProcessingException(self.tr(
                    "地类图层「{layer}」没有地类编码字段「{field}」；现有字段：{present}").format(
                    layer=layer_display_name(landuse_layer), field=landuse_field, present="、".join(names)))
            extra = {k: resolve_field(names, k) for k in ("ZLDWDM", "ZLDWMC", "DLMC")}
            cols = [code_field] + [v for v in extra.values() if v]
            lname = layer_display_name(landuse_layer)
            # files are read by the engine, in parts near groups of patches, while it overlays earlier
            # parts; memory/PostGIS/filtered layers are read through QGIS, here on this thread
            reader = near_reader(landuse_layer, columns=cols)
            gdf = None
            if reader is None:
                fb.info(self.tr("读取地类图层「{layer}」（只保留与图斑相交范围内的要素）…").format(layer=lname))
                # without a CRS the patches' envelopes cannot be put into the layer's coordinates: read it
                # whole, the engine infers its CRS or refuses it (input_checks)
                gdf = layer_to_gdf(landuse_layer, columns=cols, keep_near=near() if layer_crs_id(landuse_layer)
                                   else None, keep_near_crs=near_crs, feedback=fb)
            landuse = ov.ReferenceLayer(lname, gdf, ov.LANDUSE, code_field, zldwdm_field=extra["ZLDWDM"],
                                        zldwmc_field=extra["ZLDWMC"], class_name_field=extra["DLMC"],
                                        prefiltered=True, reader=reader, **_layer_extent(landuse_layer))
        fb.set_progress(15)

        protected = []
        used_names: set[str] = set()
        for lyr in protected_layers:
            if feedback.isCanceled():
                return {}
            name = layer_display_name(lyr)
            base, k = name, 2
            while name in used_names:
                name = f"{base}({k})"
                k += 1
            used_names.add(name)
            names = [f.name() for f in lyr.fields()]
            name_field = next((resolve_field(names, c) for c in NAME_FIELDS if resolve_field(names, c)), None)
            cols = [name_field] if name_field else []
            reader = near_reader(lyr, columns=cols)
            gdf = None if reader is not None else layer_to_gdf(lyr, columns=cols,
                                                                keep_near=near() if layer_crs_id(lyr) else None,
                                                                keep_near_crs=near_crs, feedback=fb)
            protected.append(ov.ReferenceLayer(name, gdf, ov.PROTECTED, name_field=name_field, prefiltered=True,
                                               reader=reader, **_layer_extent(lyr)))
        fb.set_progress(20)

        # ---- overlay
        result = ov.overlay_patches(patches, landuse, protected, id_field=id_field, area_method=method,
                                    layer_name=patches_name, feedback=ProgressSlice(fb, 20, 90))
        if feedback.isCanceled():
            return {}

        # ---- write OUTPUT
        out_fields, getters = self._output_fields(patches_layer, patches, result, fb)
        geoms = result.geometries
        out_crs = result.patches_crs or patches.crs  # inferred by the engine when the layer had none
        if not out_crs or not result.crs.equals(out_crs):
            geoms = gpd.GeoSeries(geoms, crs=result.crs).to_crs(out_crs).values
        wkbs = shapely.to_wkb(shapely.force_2d(np.asarray(geoms, dtype=object)))
        sink_crs = patches_layer.crs()
        if layer_crs_id(patches_layer) is None and out_crs is not None:  # the CRS the engine inferred
            inferred = CRS.from_user_input(out_crs)
            code = inferred.to_epsg()
            sink_crs = QgsCoordinateReferenceSystem(f"EPSG:{code}" if code else inferred.to_wkt())
        (sink, dest_id) = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields,
                                               Qgis.WkbType.MultiPolygon, sink_crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        StyleOnLoad.attach(context, dest_id, None, "overlay")  # styled by 耕地 share / protected
        # values converted column by column (not cell by cell), features added in batches
        rows = list(zip(*[_column_values(getter(), f.type()) for getter, f in zip(getters, out_fields)]))
        n = rows_to_sink(rows, wkbs, sink, out_fields, fb, progress=(90, 98))

        # ---- write OUTPUT_DETAIL
        dfields = QgsFields()
        for name in ov.DETAIL_FIELDS:
            dfields.append(QgsField(name, QMetaType.Type.Double if name in DOUBLE_FIELDS else QMetaType.Type.QString))
        (dsink, detail_id) = self.parameterAsSink(parameters, self.OUTPUT_DETAIL, context, dfields,
                                                  Qgis.WkbType.NoGeometry)
        if dsink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT_DETAIL))
        StyleOnLoad.attach(context, detail_id, None, "overlay_detail")
        d = result.detail
        drows = list(zip(*[_column_values(d[c].to_numpy(), f.type()) for c, f in zip(ov.DETAIL_FIELDS, dfields)]))
        rows_to_sink(drows, None, dsink, dfields, fb)
        feedback.setProgress(100)
        method_name = self.tr("椭球面积") if method == ov.ELLIPSOIDAL else self.tr("平面面积")
        fb.info(self.tr("完成：{n} 个图斑，{m} 条明细，面积计算方法：{method}").format(
            n=n, m=len(d), method=method_name))
        for msg in result.messages:
            fb.info(msg)
        return {self.OUTPUT: dest_id, self.OUTPUT_DETAIL: detail_id}

    def _output_fields(self, layer, patches: gpd.GeoDataFrame, result: ov.OverlayResult, fb):
        """The patch layer's fields (values from the data frame, decoded) followed by the result fields."""
        summary = result.summary
        result_names = list(summary.columns)
        taken = {c.lower() for c in result_names}
        gcols = [c for c in patches.columns if c != patches.geometry.name]
        fields = QgsFields()
        getters = []
        unmatched_q = [f for f in layer.fields() if f.name() not in gcols and f.name().lower() != "fid"]
        unmatched_g = [c for c in gcols if c not in {f.name() for f in layer.fields()}]
        positional = dict(zip([f.name() for f in unmatched_q], unmatched_g)) if len(unmatched_q) == len(
            unmatched_g) else {}
        for f in layer.fields():
            name = f.name()
            if name in gcols:
                col = name
            elif name in positional:  # field names QGIS decoded differently (encoding): use ours
                col = positional[name]
            elif name.lower() == "fid":
                if name.lower() in taken:
                    continue
                out = QgsField(f)
                fields.append(out)
                getters.append(lambda: patches.index.to_numpy())
                continue
            else:
                col = None
            out_name = col or name
            if out_name.lower() in taken:
                fb.warning(self.tr("输入字段「{field}」与结果字段同名，输出中以结果字段为准").format(field=out_name))
                continue
            out = QgsField(f)
            out.setName(out_name)
            fields.append(out)
            if col is None:
                getters.append(lambda: np.full(len(patches), None, dtype=object))
            else:
                getters.append(lambda c=col: patches[c].to_numpy())
        for name in result_names:
            if name == "repaired":
                qtype = QMetaType.Type.Int
            elif name in DOUBLE_FIELDS or name in result.protected_fields.values() or name in ov.LANDUSE_CHECK_FIELDS:
                qtype = QMetaType.Type.Double
            else:
                qtype = QMetaType.Type.QString
            fields.append(QgsField(name, qtype))
            getters.append(lambda c=name: summary[c].to_numpy())
        return fields, getters
