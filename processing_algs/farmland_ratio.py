"""liangwei:farmlandratio (违法占耕比统计) — illegally occupied 耕地 against new construction by township."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QMetaType

from .base import FeedbackProgress, LiangweiAlgorithm, StyleOnLoad

_TYPES = {
    "township_code": QMetaType.Type.QString,
    "township_name": QMetaType.Type.QString,
    "patches": QMetaType.Type.Int,
    "violations": QMetaType.Type.Int,
    "over_threshold": QMetaType.Type.Int,
}


def _default_threshold() -> float:
    from ..liangwei_plugin.determination import load_rules

    try:
        return load_rules().farmland_ratio_threshold_pct
    except Exception:  # a broken shipped file is reported by liangwei:determine; keep the dialog usable
        return 15.0


def _text(value) -> str:
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return ""
    return str(value).strip()


class FarmlandRatioAlgorithm(LiangweiAlgorithm):
    ALG_ID = "farmlandratio"
    GROUP_ID = "review"
    INPUT = "INPUT"
    TOWNSHIPS = "TOWNSHIPS"
    TOWNSHIP_CODE_FIELD = "TOWNSHIP_CODE_FIELD"
    TOWNSHIP_NAME_FIELD = "TOWNSHIP_NAME_FIELD"
    THRESHOLD = "THRESHOLD"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("违法占耕比统计")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "按乡镇统计违法占耕比：违法占用耕地面积（认定为违法的图斑占用的耕地）÷ 新增建设占用耕地面积"
            "（本批全部图斑占用的耕地）× 100%，并给出全县合计；"
            "达到阈值（默认 15%，“≥”即标记）的标记 over_threshold = 1。\n"
            "输入为规划认定（liangwei:determine）的输出。给出乡镇界线图层时，每个图斑计入面积最大部分所在的乡镇"
            "（只计一次）；否则按图斑的行政区代码/名称字段（XZQDM/XZQMC，按字段映射识别）分组。"
            "乡镇代码/名称字段留空时按字段映射自动识别；不给乡镇界线图层时，这两个字段指图斑图层的字段。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, self.tr("规划认定结果（规划认定的输出）"), [Qgis.ProcessingSourceType.Vector]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.TOWNSHIPS, self.tr("乡镇界线"), [Qgis.ProcessingSourceType.VectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.TOWNSHIP_CODE_FIELD, self.tr("乡镇代码字段"), parentLayerParameterName=self.TOWNSHIPS,
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.TOWNSHIP_NAME_FIELD, self.tr("乡镇名称字段"), parentLayerParameterName=self.TOWNSHIPS,
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.THRESHOLD, self.tr("违法占耕比阈值（%）"), Qgis.ProcessingNumberParameterType.Double,
            _default_threshold(), minValue=0.0, maxValue=100.0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("违法占耕比统计表"), Qgis.ProcessingSourceType.Vector))

    def _field(self, fields, requested: str, canonical: str, layer_name: str, required: bool) -> str | None:
        from ..liangwei_plugin.fieldmap import resolve_field

        names = [f.name() for f in fields]
        if requested:
            if requested not in names:
                raise QgsProcessingException(
                    self.tr("图层“{layer}”没有字段 {field}").format(layer=layer_name, field=requested))
            return requested
        found = resolve_field(names, canonical)
        if found is None and required:
            raise QgsProcessingException(self.tr(
                "图层“{layer}”中找不到乡镇{what}字段（{canonical} 或其别名），请在参数中指定").format(
                layer=layer_name, what=self.tr("代码") if canonical == "XZQDM" else self.tr("名称"),
                canonical=canonical))
        return found

    def _checked_crs(self, source, layer_name, towns, towns_name, feedback):
        """Both layers' CRSs checked against their coordinates (liangwei_plugin.input_checks) and their extents
        against each other: a township layer in a wrong CRS would put every patch "未落入乡镇".  Returns the
        patches' CRS, the townships' CRS and whether the townships must be reprojected here (a CRS was
        inferred, which QGIS does not know)."""
        from ..liangwei_plugin import input_checks

        def crs_id(crs):
            if not crs.isValid() or (crs.description() or "").lower().startswith("undefined"):
                return None
            return crs.authid() or crs.toWkt()

        def extent(src):
            e = src.sourceExtent()
            return None if e.isNull() else (e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum())

        try:
            pv = input_checks.check_crs(layer_name, crs_id(source.sourceCrs()), extent(source))
            tv = input_checks.check_crs(towns_name, crs_id(towns.sourceCrs()), extent(towns))
            for v in (pv, tv):
                if v.inferred:
                    feedback.pushWarning(v.message)
            if extent(source) is not None and extent(towns) is not None:
                input_checks.check_overlap(layer_name, extent(source), towns_name,
                                           input_checks.bounds_in(extent(towns), tv.crs, pv.crs), required=True)
        except input_checks.InputCheckError as exc:
            raise QgsProcessingException(str(exc)) from None
        return pv.crs, tv.crs, pv.inferred or tv.inferred

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.farmland_ratio import OUTPUT_FIELDS, Township, assign_largest_part, farmland_ratio_table
        from ..liangwei_plugin.feedback import Canceled

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        layer_name = source.sourceName() or self.INPUT
        names = [f.name() for f in source.fields()]
        lower = {n.lower(): n for n in names}
        missing = [f for f in ("violation", "farmland_m2") if f not in lower]
        if missing:
            raise QgsProcessingException(self.tr(
                "图层“{layer}”缺少字段：{fields}。请先运行“图斑叠加分析”（liangwei:overlaycheck）和"
                "“规划认定”（liangwei:determine），再以认定结果作为输入。").format(
                    layer=layer_name, fields="、".join(missing)))
        threshold = self.parameterAsDouble(parameters, self.THRESHOLD, context)
        code_param = self.parameterAsString(parameters, self.TOWNSHIP_CODE_FIELD, context)
        name_param = self.parameterAsString(parameters, self.TOWNSHIP_NAME_FIELD, context)
        townships_source = self.parameterAsSource(parameters, self.TOWNSHIPS, context)

        violation_idx = names.index(lower["violation"])
        farmland_idx = names.index(lower["farmland_m2"])
        id_idx = names.index(lower["patch_id"]) if "patch_id" in lower else None
        total = source.featureCount() or 0
        violations, farmland, codes, townnames, geoms, ids = [], [], [], [], [], []

        if townships_source is None:
            code_field = self._field(source.fields(), code_param, "XZQDM", layer_name, False)
            name_field = self._field(source.fields(), name_param, "XZQMC", layer_name, False)
            if code_field is None and name_field is None:
                raise QgsProcessingException(self.tr(
                    "图层“{layer}”中没有行政区代码/名称字段（XZQDM/XZQMC 或其别名）：请给出乡镇界线图层，"
                    "或指定乡镇代码/名称字段").format(layer=layer_name))
            feedback.pushInfo(self.tr("按图斑字段 {code} / {name} 分组").format(code=code_field or "-",
                                                                           name=name_field or "-"))
            code_idx = names.index(code_field) if code_field else None
            name_idx = names.index(name_field) if name_field else None
        else:
            code_idx = name_idx = None

        for n, feat in enumerate(source.getFeatures(QgsFeatureRequest())):
            if feedback.isCanceled():
                return {}
            attrs = feat.attributes()
            violations.append(attrs[violation_idx])
            farmland.append(attrs[farmland_idx])
            ids.append(_text(attrs[id_idx]) if id_idx is not None else str(feat.id()))
            if townships_source is None:
                codes.append(_text(attrs[code_idx]) if code_idx is not None else "")
                townnames.append(_text(attrs[name_idx]) if name_idx is not None else "")
            else:
                geoms.append(feat.geometry())
            if total:
                feedback.setProgress(n * 40.0 / total)
        violations = [None if (hasattr(v, "isNull") and v.isNull()) else v for v in violations]
        farmland = [None if (hasattr(v, "isNull") and v.isNull()) else v for v in farmland]

        townships: list[Township] = []
        if townships_source is not None:
            import shapely

            t_name = townships_source.sourceName() or self.TOWNSHIPS
            if QgsWkbTypes.geometryType(townships_source.wkbType()) != Qgis.GeometryType.Polygon:
                # points or lines hold no part of any patch: every patch would be "未落入乡镇"
                raise QgsProcessingException(self.tr(
                    "乡镇界线图层“{layer}”不是面图层（几何类型：{kind}）：图斑按面积最大部分分配到乡镇，需要乡镇界线面图层。"
                    "请选择乡镇界线（面）图层，或不填该参数而按图斑的行政区代码/名称字段分组。").format(
                    layer=t_name, kind=QgsWkbTypes.displayString(townships_source.wkbType())))
            t_code_field = self._field(townships_source.fields(), code_param, "XZQDM", t_name, False)
            t_name_field = self._field(townships_source.fields(), name_param, "XZQMC", t_name, False)
            if t_code_field is None and t_name_field is None:
                raise QgsProcessingException(self.tr(
                    "乡镇界线图层“{layer}”中没有乡镇代码/名称字段（XZQDM/XZQMC 或其别名），请在参数中指定").format(
                    layer=t_name))
            patches_crs, towns_crs, reproject = self._checked_crs(source, layer_name, townships_source, t_name,
                                                                  feedback)
            request = QgsFeatureRequest()
            if not reproject:
                request.setDestinationCrs(source.sourceCrs(), context.transformContext())
            t_geoms, t_skipped = [], 0
            for feat in townships_source.getFeatures(request):
                if feedback.isCanceled():
                    return {}
                geom = feat.geometry()
                if geom is None or geom.isEmpty():
                    t_skipped += 1
                    continue
                code = _text(feat[t_code_field]) if t_code_field else ""
                name = _text(feat[t_name_field]) if t_name_field else ""
                townships.append(Township(code, name))
                t_geoms.append(shapely.from_wkb(bytes(geom.asWkb())))
            if t_skipped:
                feedback.reportError(self.tr("乡镇界线图层“{layer}”有 {n} 个要素没有几何，未参与分配").format(
                    layer=t_name, n=t_skipped), fatalError=False)
            if reproject and t_geoms:  # a CRS was inferred: QGIS cannot transform what it thinks has none
                import geopandas as gpd

                t_geoms = list(gpd.GeoSeries(t_geoms, crs=towns_crs).to_crs(patches_crs).values)
            p_geoms = [None if g is None or g.isEmpty() else shapely.from_wkb(bytes(g.asWkb())) for g in geoms]
            valid = [i for i, g in enumerate(p_geoms) if g is not None]
            try:
                idx = assign_largest_part([p_geoms[i] for i in valid], t_geoms, FeedbackProgress(feedback))
            except Canceled:
                return {}
            assigned = [-1] * len(p_geoms)
            for i, t in zip(valid, idx):
                assigned[i] = int(t)
            for t in assigned:
                codes.append(townships[t].code if t >= 0 else "")
                townnames.append(townships[t].name if t >= 0 else "")
            unplaced = [ids[i] for i, t in enumerate(assigned) if t < 0]
            if unplaced:
                feedback.reportError(self.tr("{n} 个图斑没有几何或不在任何乡镇界线内，计入“未落入乡镇”：{ids}").format(
                    n=len(unplaced), ids="、".join(unplaced[:20]) + ("…" if len(unplaced) > 20 else "")),
                    fatalError=False)
        else:
            unplaced = [ids[i] for i, (c, m) in enumerate(zip(codes, townnames)) if not c and not m]
            if unplaced:
                feedback.reportError(self.tr("{n} 个图斑没有行政区代码和名称，计入“未落入乡镇”：{ids}").format(
                    n=len(unplaced), ids="、".join(unplaced[:20]) + ("…" if len(unplaced) > 20 else "")),
                    fatalError=False)
        feedback.setProgress(80)

        table = farmland_ratio_table(codes, townnames, violations, farmland, threshold, townships)
        out_fields = QgsFields()
        for name in OUTPUT_FIELDS:
            out_fields.append(QgsField(name, _TYPES.get(name, QMetaType.Type.Double)))
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, Qgis.WkbType.NoGeometry)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        StyleOnLoad.attach(context, dest_id, None, "farmland_ratio")
        for row in table.itertuples(index=False):
            feat = QgsFeature(out_fields)
            values = []
            for name, value in zip(OUTPUT_FIELDS, row):
                if name in ("patches", "violations", "over_threshold"):
                    values.append(int(value))
                elif name in ("township_code", "township_name"):
                    values.append(str(value))
                else:
                    values.append(None if value != value else float(value))  # NaN ratio -> NULL
            feat.setAttributes(values)
            sink.addFeature(feat, QgsFeatureSink.Flag.FastInsert)
        total_row = table.iloc[-1]
        ratio = total_row["ratio_pct"]
        feedback.pushInfo(self.tr("全县违法占耕比：{ratio}（阈值 {t}%）").format(
            ratio="—" if ratio != ratio else f"{ratio:.2f}%", t=f"{threshold:g}"))
        return {self.OUTPUT: dest_id}

