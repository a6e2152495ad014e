"""liangwei:exportfieldpackage (外业核查包导出) — patches -> a folder QField opens as it is."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from .base import FeedbackProgress, LiangweiAlgorithm
from .register_common import REGISTER, open_register, register_parameter


class ExportFieldPackageAlgorithm(LiangweiAlgorithm):
    ALG_ID = "exportfieldpackage"
    GROUP_ID = "fieldwork"
    PATCHES = "PATCHES"
    ID_FIELD = "ID_FIELD"
    TOWNSHIP = "TOWNSHIP"
    IMAGERY = "IMAGERY"
    CATALOGUE = "CATALOGUE"
    BASE_LAYERS = "BASE_LAYERS"
    REGISTER = REGISTER
    OUTPUT_FOLDER = "OUTPUT_FOLDER"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("外业核查包导出")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "把监测图斑（或规划认定结果）导出为 QField 可直接打开的外业核查包（文件夹）：相对路径的 .qgz 项目，"
            "外业核查.gpkg（每个图斑一行的“外业核查”图层：核查结论、现场核查描述、项目名称、项目主体、建设时间、"
            "新增/存量、核查人、核查时间；“核查照片”表，照片存于 DCIM 文件夹，一个图斑可拍多张），"
            "以及裁剪到图斑周边的底图（监测图斑及其叠加分析和认定结果、永久基本农田、生态保护红线、三调地类）"
            "和前、后时相两期影像（压缩并建金字塔，适合手机）。底图和影像可取自一张图数据目录，影像也可单独指定。"
            "指定案件台账时，包中记下每个图斑的案件编号，导入时据此拒绝其他台账。"
            "依据自然资发〔2023〕258号：监测图斑只是线索，须经外业核查举证后方可认定。"
        )

    def flags(self):
        # builds a QgsProject with layers: main thread
        return super().flags() | Qgis.ProcessingAlgorithmFlag.NoThreading

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.PATCHES, self.tr("监测图斑（或规划认定结果）"), [Qgis.ProcessingSourceType.VectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.ID_FIELD, self.tr("监测编号字段"), defaultValue="JCBH", parentLayerParameterName=self.PATCHES))
        self.addParameter(QgsProcessingParameterString(
            self.TOWNSHIP, self.tr("只导出该乡镇（名称或代码，空为全部）"), optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.IMAGERY, self.tr("影像时相（取最新两期为前、后时相）"), Qgis.ProcessingSourceType.Raster,
            optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.CATALOGUE, self.tr("一张图数据目录（TOML，取底图和影像）"), extension="toml", optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.BASE_LAYERS, self.tr("其他底图图层"), Qgis.ProcessingSourceType.VectorAnyGeometry, optional=True))
        self.addParameter(register_parameter(optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("外业核查包文件夹")))
        self.addOutput(QgsProcessingOutputFile("PROJECT", self.tr("外业核查项目（.qgz）")))
        self.addOutput(QgsProcessingOutputNumber("PATCH_COUNT", self.tr("图斑数")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.fieldwork.config import FieldworkError
        from ..liangwei_plugin.fieldwork.package import BaseLayer, Epoch, catalogue_inputs, export_field_package
        from ..liangwei_plugin.onemap.catalogue import CatalogueError

        patches = self.parameterAsVectorLayer(parameters, self.PATCHES, context)
        if patches is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.PATCHES))
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context) or "JCBH"
        township = (self.parameterAsString(parameters, self.TOWNSHIP, context) or "").strip() or None
        out = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        base, epochs = [], []
        catalogue = self.parameterAsFile(parameters, self.CATALOGUE, context)
        try:
            if catalogue:
                base, epochs = catalogue_inputs(catalogue)
        except (CatalogueError, FieldworkError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        rasters = self.parameterAsLayerList(parameters, self.IMAGERY, context)
        if rasters:
            epochs = [Epoch(r.source(), None, r.name()) for r in rasters]
        for layer in self.parameterAsLayerList(parameters, self.BASE_LAYERS, context):
            base.append(BaseLayer(layer, "protected", layer.name()))
        target = self.parameterAsString(parameters, self.REGISTER, context)
        reg = open_register(target) if target and target.strip() else None
        try:
            result = export_field_package(patches, id_field, out, township=township, epochs=epochs, base_layers=base,
                                          register=reg, feedback=FeedbackProgress(feedback))
        except FieldworkError as exc:
            raise QgsProcessingException(str(exc)) from exc
        finally:
            if reg is not None:
                reg.close()
        return {self.OUTPUT_FOLDER: str(result.folder), "PROJECT": str(result.project),
                "PATCH_COUNT": len(result.patches)}
