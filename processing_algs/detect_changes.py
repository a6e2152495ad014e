"""liangwei:detectchanges (两期影像变化检测) — candidate patches from two imagery epochs (thin wrapper over
liangwei_plugin.change_detection)."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    Qgis,
    QgsField,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtCore import QMetaType

from .base import FeedbackProgress, LiangweiAlgorithm, StyleOnLoad

_TEXT, _REAL, _INT = QMetaType.Type.QString, QMetaType.Type.Double, QMetaType.Type.Int
#: output fields (liangwei_plugin.change_detection.OUTPUT_COLUMNS) and their types
OUTPUT_FIELDS = [("JCBH", _TEXT), ("change_type", _TEXT), ("score", _REAL), ("area_m2", _REAL), ("area_mu", _REAL),
                 ("landuse_before", _TEXT), ("landuse_after", _TEXT), ("ZLDWDM", _TEXT), ("ZLDWMC", _TEXT),
                 ("known", _INT), ("known_patch", _TEXT), ("QSX", _TEXT), ("HSX", _TEXT), ("area_method", _TEXT)]


class DetectChangesAlgorithm(LiangweiAlgorithm):
    ALG_ID = "detectchanges"
    GROUP_ID = "review"
    REQUIRES = ("core", "imagery")   # scipy: smoothing, morphology
    BEFORE = "BEFORE"
    AFTER = "AFTER"
    LANDUSE = "LANDUSE"
    PATCHES = "PATCHES"
    MIN_AREA = "MIN_AREA"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("两期影像变化检测（自主发现候选图斑）")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "比较前、后两期影像（RGB 或多光谱，坐标系、分辨率、范围可以不同），提出新增建设的候选图斑"
            "（新增建筑 / 硬化地面 / 推填土），供叠加分析、规划认定和登记案件（问题来源“自主发现”）使用。"
            "候选图斑只是线索，须经外业核查。\n"
            "方法：① 两期重采样到后时相影像的格网（重叠范围，分块读取，不整幅读入内存）；"
            "② 配准：多个窗口上用相位相关（FFT）估计亚像元偏移，取中位数校正前时相；"
            "③ 辐射归一化：在伪不变像元（变化最小的一半样本像元，迭代选取）上逐波段直方图匹配；"
            "④ 变化量：高斯平滑后的变化矢量分析（CVA）幅值；"
            "⑤ 阈值：样本变化量的 Otsu 阈值，且不低于中位变化量的 min_ratio 倍（噪声下限），滞后阈值生长区域；"
            "⑥ 形态学开、闭运算，去除小斑块，矢量化；"
            "⑦ 判别：保留前时相纹理的变化（薄云、雾、阴影）和亮灰色云团剔除，变绿为植被变化、暗蓝绿为水体（淹水）剔除；"
            "西北侧新出现阴影带或蓝色彩钢顶为新增建筑，其余灰色为硬化地面、棕色为推填土；"
            "⑧ 三调地类：整块耕地图斑发生变化视为收割/季节变化，不作候选，但其中与图斑新面貌不同且有阴影的紧凑斑块"
            "仍为新增建筑；现状建设用地上的变化只保留新增建筑。\n"
            "参数：前时相影像、后时相影像；三调地类图斑（可选，DLBM 及 ZLDWDM/ZLDWMC 按字段映射识别）；"
            "已下发的监测图斑（可选，覆盖候选图斑 30% 以上时 known = 1，known_patch 为其监测编号）；"
            "最小面积（平方米，默认 200，按椭球面积）。其余参数（分块大小、平滑、阈值倍数、颜色与地类规则、"
            "编号前缀）在 resources/change_detection.toml 中。\n"
            "输出字段：JCBH（候选编号：前缀 ZZ + 县代码 + 年度 + 期数 + 序号，按乡镇、自北向南编号）、"
            "change_type（变化类型）、score（平均变化量 ÷ 阈值）、area_m2 / area_mu（椭球面积，平方米 / 亩）、"
            "landuse_before（三调地类）、landuse_after（变化后地表）、ZLDWDM / ZLDWMC（坐落单位）、"
            "known / known_patch、QSX / HSX（前、后时相日期，取自文件名）、area_method。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.BEFORE, self.tr("前时相影像")))
        self.addParameter(QgsProcessingParameterRasterLayer(self.AFTER, self.tr("后时相影像")))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.LANDUSE, self.tr("三调地类图斑"), [Qgis.ProcessingSourceType.VectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.PATCHES, self.tr("已下发的监测图斑（用于标记已知图斑）"), [Qgis.ProcessingSourceType.VectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.MIN_AREA, self.tr("最小面积（平方米）"), Qgis.ProcessingNumberParameterType.Double,
            defaultValue=200.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("候选图斑"), Qgis.ProcessingSourceType.VectorPolygon))

    def _raster_path(self, parameters, name, context, role) -> str:
        layer = self.parameterAsRasterLayer(parameters, name, context)
        if layer is None or not layer.isValid():
            raise QgsProcessingException(self.tr("{role}影像无法打开。").format(role=role))
        path = layer.source().split("|")[0]
        if layer.providerType() != "gdal" or not Path(path).exists():
            raise QgsProcessingException(self.tr(
                "{role}影像「{layer}」不是本地栅格文件（{src}），请先导出为 GeoTIFF。").format(
                role=role, layer=layer.name(), src=layer.source()))
        return path

    def _frame(self, layer, wanted: dict[str, str], fb):
        """The layer as a GeoDataFrame with the canonical column names of ``wanted`` (canonical -> role)."""
        from ..liangwei_plugin.fieldmap import resolve_field
        from ..liangwei_plugin.qgis_io import layer_to_gdf

        names = [f.name() for f in layer.fields()]
        found = {canon: resolve_field(names, canon) for canon in wanted}
        gdf = layer_to_gdf(layer, columns=[v for v in found.values() if v], feedback=fb)
        return gdf.rename(columns={v: k for k, v in found.items() if v}), found

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin import change_detection as cd
        from ..liangwei_plugin.feedback import Canceled
        from ..liangwei_plugin.qgis_io import frame_to_sink, layer_display_name

        fb = FeedbackProgress(feedback)
        before = self._raster_path(parameters, self.BEFORE, context, self.tr("前时相"))
        after = self._raster_path(parameters, self.AFTER, context, self.tr("后时相"))
        min_area = self.parameterAsDouble(parameters, self.MIN_AREA, context)
        landuse = patches = None
        lu_layer = self.parameterAsVectorLayer(parameters, self.LANDUSE, context)
        if lu_layer is not None:
            landuse, found = self._frame(lu_layer, {"DLBM": "", "ZLDWDM": "", "ZLDWMC": ""}, fb)
            if found["DLBM"] is None:
                raise QgsProcessingException(self.tr(
                    "地类图层「{layer}」没有地类编码字段（DLBM 及其别名）；现有字段：{present}").format(
                    layer=layer_display_name(lu_layer), present="、".join(lu_layer.fields().names())))
        p_layer = self.parameterAsVectorLayer(parameters, self.PATCHES, context)
        if p_layer is not None:
            patches, found = self._frame(p_layer, {"JCBH": "", "XZQDM": ""}, fb)
            if found["JCBH"] is None:
                fb.warning(self.tr("监测图斑图层「{layer}」没有监测编号字段（JCBH），known_patch 用要素编号").format(
                    layer=layer_display_name(p_layer)))
        try:
            result = cd.detect_changes(before, after, landuse, patches, min_area, feedback=fb)
        except cd.ChangeDetectionError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except Canceled:
            return {}
        for msg in result.messages:
            fb.warning(msg)
        fields = QgsFields()
        for name, kind in OUTPUT_FIELDS:
            fields.append(QgsField(name, kind))
        after_layer = self.parameterAsRasterLayer(parameters, self.AFTER, context)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, Qgis.WkbType.MultiPolygon,
                                             after_layer.crs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        StyleOnLoad.attach(context, dest_id, "change_candidates", "change_candidates")  # group 监测图斑
        try:
            n = frame_to_sink(result.candidates, sink, fields, fb)
        except Canceled:
            return {}
        by_type = result.candidates["change_type"].value_counts().to_dict() if n else {}
        dropped = "，".join(f"{k} {v}" for k, v in result.dropped.items() if v) or "—"
        fb.info(self.tr("候选图斑 {n} 个（{types}），其中已下发 {known} 个；"
                        "变化区域 {regions} 个，未作候选：{dropped}；用时 {s:.1f} 秒").format(
            n=n, types="，".join(f"{k} {v}" for k, v in by_type.items()) or "—",
            known=int(result.candidates["known"].sum()) if n else 0, regions=result.regions, dropped=dropped,
            s=result.seconds))
        return {self.OUTPUT: dest_id}
