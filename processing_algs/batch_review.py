"""liangwei:batchreview (批量审查并输出文书) — overlay → determination → reports and notices in one run."""
from __future__ import annotations

import os
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsProcessingException,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
)

from ..liangwei_plugin.csv_out import read_csv, write_csv
from .base import LiangweiAlgorithm, StyleOnLoad
from .documents_common import CONFIG, NUMBER_REGISTRY, number_registry_parameter

AREA_METHODS = ("ellipsoidal", "planar")


class BatchReviewAlgorithm(LiangweiAlgorithm):
    ALG_ID = "batchreview"
    GROUP_ID = "documents"
    REQUIRES = ("core", "documents")
    PATCHES = "PATCHES"
    ID_FIELD = "ID_FIELD"
    LANDUSE = "LANDUSE"
    LANDUSE_FIELD = "LANDUSE_FIELD"
    PROTECTED = "PROTECTED"
    AREA_METHOD = "AREA_METHOD"
    IMAGERY = "IMAGERY"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    NUMBER_REGISTRY = NUMBER_REGISTRY
    CONFIG = CONFIG
    STEPS = 4

    def displayName(self) -> str:  # noqa: N802
        return self.tr("批量审查并输出文书")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "一次完成：监测图斑与三调地类图斑、各保护区图层叠加分析（liangwei:overlaycheck）→ 规划认定"
            "（liangwei:determine）→ 每个图斑一份规划认定意见书、每个违法图斑一份责令限期整改通知书。"
            "输出文件夹中有 reports/、notices/、两份合并 PDF、叠加分析结果（overlay.gpkg、overlay_detail.gpkg）、"
            "认定结果（determination.gpkg）和索引表 index.csv（patch_id, document, number, file, pages）。"
            "再次运行同一输出文件夹时已完成的文书保留、编号不变；文书编号取自本局共用的编号登记库"
            "（NUMBER_REGISTRY，默认见该参数说明），各批次编号不重复。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.PATCHES, self.tr("监测图斑"), [Qgis.ProcessingSourceType.VectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.ID_FIELD, self.tr("图斑编号字段（默认 JCBH 等）"), parentLayerParameterName=self.PATCHES,
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.LANDUSE, self.tr("三调地类图斑"), [Qgis.ProcessingSourceType.VectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.LANDUSE_FIELD, self.tr("地类编码字段（默认 DLBM）"), parentLayerParameterName=self.LANDUSE,
            optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.PROTECTED, self.tr("保护区及规划管控图层（生态保护红线、永久基本农田等）"),
            Qgis.ProcessingSourceType.VectorPolygon, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.AREA_METHOD, self.tr("面积算法"), [self.tr("椭球面积（CGCS2000）"), self.tr("平面面积（投影坐标）")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.IMAGERY, self.tr("影像时相（栅格）"), Qgis.ProcessingSourceType.Raster, optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("输出文件夹")))
        registry = number_registry_parameter(self.tr)
        config = QgsProcessingParameterFile(self.CONFIG, self.tr("文书配置文件（documents.toml，默认为插件自带）"),
                                            extension="toml", optional=True)
        for p in (registry, config):
            p.setFlags(p.flags() | Qgis.ProcessingParameterFlag.Advanced)
            self.addParameter(p)
        self.addOutput(QgsProcessingOutputFolder("REPORTS", self.tr("规划认定意见书文件夹")))
        self.addOutput(QgsProcessingOutputFolder("NOTICES", self.tr("责令限期整改通知书文件夹")))
        self.addOutput(QgsProcessingOutputFile("REPORTS_MERGED", self.tr("规划认定意见书合并 PDF")))
        self.addOutput(QgsProcessingOutputFile("NOTICES_MERGED", self.tr("责令限期整改通知书合并 PDF")))
        self.addOutput(QgsProcessingOutputFile("INDEX", self.tr("索引表 index.csv")))
        self.addOutput(QgsProcessingOutputFile("OVERLAY", self.tr("叠加分析结果")))
        self.addOutput(QgsProcessingOutputFile("OVERLAY_DETAIL", self.tr("叠加分析明细")))
        self.addOutput(QgsProcessingOutputFile("DETERMINATION", self.tr("规划认定结果")))
        self.addOutput(QgsProcessingOutputNumber("REPORT_COUNT", self.tr("意见书份数")))
        self.addOutput(QgsProcessingOutputNumber("NOTICE_COUNT", self.tr("通知书份数")))

    @staticmethod
    def _child_area_method(index: int):
        """Our AREA_METHOD index in terms of liangwei:overlaycheck's own parameter (enum index or text)."""
        alg = QgsApplication.processingRegistry().algorithmById("liangwei:overlaycheck")
        param = alg.parameterDefinition("AREA_METHOD") if alg else None
        if param is not None and param.type() == "enum":
            keys = ("椭球", "ellipsoid") if index == 0 else ("平面", "planar")
            for i, option in enumerate(param.options()):
                if any(k in option.lower() for k in keys):
                    return i
            return index
        return AREA_METHODS[index]

    def _after_determination(self, parameters, context, determination_out: str, run, steps) -> dict:
        """A step between the determination and the documents (审查本图 registers the cases there)."""
        return {}

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import processing

        registry = QgsApplication.processingRegistry()
        for needed in ("liangwei:overlaycheck", "liangwei:determine"):
            if registry.algorithmById(needed) is None:
                raise QgsProcessingException(self.tr("缺少算法 {0}，无法批量审查").format(needed))
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        folder.mkdir(parents=True, exist_ok=True)
        steps = QgsProcessingMultiStepFeedback(self.STEPS, feedback)
        total = self.STEPS

        def run(alg_id: str, params: dict, step: int) -> dict:
            steps.setCurrentStep(step)
            if steps.isCanceled():
                raise QgsProcessingException(self.tr("已取消；再次运行将续跑"))
            return processing.run(alg_id, params, context=context, feedback=steps, is_child_algorithm=True)

        # 1. overlay (叠加分析)
        overlay_path = str(folder / "overlay.gpkg")
        detail_path = str(folder / "overlay_detail.gpkg")
        overlay_params = {
            "PATCHES": parameters[self.PATCHES],
            "LANDUSE": parameters[self.LANDUSE],
            "PROTECTED": parameters.get(self.PROTECTED) or [],
            "AREA_METHOD": self._child_area_method(self.parameterAsEnum(parameters, self.AREA_METHOD, context)),
            "OUTPUT": overlay_path,
            "OUTPUT_DETAIL": detail_path,
        }
        for name in (self.ID_FIELD, self.LANDUSE_FIELD):
            value = self.parameterAsString(parameters, name, context)
            if value:
                overlay_params[name] = value
        feedback.pushInfo(self.tr("{0}/{1} 叠加分析").format(1, total))
        overlay = run("liangwei:overlaycheck", overlay_params, 0)
        overlay_out = overlay.get("OUTPUT", overlay_path)
        detail_out = overlay.get("OUTPUT_DETAIL", detail_path)

        # 2. determination (规划认定)
        feedback.pushInfo(self.tr("{0}/{1} 规划认定").format(2, total))
        determination_path = str(folder / "determination.gpkg")
        det = run("liangwei:determine", {"INPUT": overlay_out, "OUTPUT": determination_path}, 1)
        determination_out = det.get("OUTPUT", determination_path)
        extra = self._after_determination(parameters, context, determination_out, run, steps)
        first_doc_step = self.STEPS - 2

        # 3./4. documents
        imagery = parameters.get(self.IMAGERY) or []
        context_layers = parameters.get(self.PROTECTED) or []
        # the bureau's registry (the document algorithms resolve it when empty), not one per output folder
        registry_file = self.parameterAsString(parameters, self.NUMBER_REGISTRY, context).strip()
        config_file = self.parameterAsFile(parameters, self.CONFIG, context) or ""
        results = {}
        for step, (alg_id, sub, merged) in enumerate(
                (("liangwei:exportreports", "reports", "规划认定意见书_合并.pdf"),
                 ("liangwei:exportnotices", "notices", "责令限期整改通知书_合并.pdf")), start=first_doc_step):
            feedback.pushInfo(self.tr("{0}/{1} 输出 {2}").format(step + 1, total, sub))
            results[sub] = run(alg_id, {
                "INPUT": determination_out,
                "OVERLAY_DETAIL": detail_out,
                "IMAGERY": imagery if sub == "reports" else [],
                "CONTEXT_LAYERS": context_layers if sub == "reports" else [],
                "SELECTED_ONLY": False,
                "OUTPUT_FOLDER": str(folder / sub),
                "MERGED_PDF": str(folder / merged),
                "NUMBER_REGISTRY": registry_file,
                "CONFIG": config_file,
            }, step)

        # index.csv over both document sets, paths relative to the output folder
        rows = []
        for sub in ("reports", "notices"):
            index = results[sub].get("INDEX")
            if not index or not os.path.exists(index):
                continue
            # read_csv strips the BOM and the ="…" wrappers that keep patch numbers text in Excel
            for row in read_csv(index):
                rows.append([row["patch_id"], row["document"], row["number"], f"{sub}/{row['file']}", row["pages"]])
        index_path = folder / "index.csv"
        write_csv(index_path, ["patch_id", "document", "number", "file", "pages"], rows)
        feedback.pushInfo(self.tr("文书已输出到 {0}").format(folder))
        # the results on the map, each in its group of the one map (when run from a project's dialog)
        for path, name, kind in ((str(determination_out), self.tr("规划认定结果"), "determination"),
                                 (str(overlay_out), self.tr("叠加分析结果"), "overlay"),
                                 (str(detail_out), self.tr("叠加分析明细"), "overlay_detail")):
            if os.path.exists(path.split("|")[0]):
                StyleOnLoad.load_on_completion(context, path, name, kind)
        return {**extra,
            self.OUTPUT_FOLDER: str(folder),
            "REPORTS": str(folder / "reports"),
            "NOTICES": str(folder / "notices"),
            "REPORTS_MERGED": results["reports"].get("MERGED_PDF"),
            "NOTICES_MERGED": results["notices"].get("MERGED_PDF"),
            "INDEX": str(index_path),
            "OVERLAY": str(overlay_out),
            "OVERLAY_DETAIL": str(detail_out),
            "DETERMINATION": str(determination_out),
            "REPORT_COUNT": results["reports"].get("COUNT", 0),
            "NOTICE_COUNT": results["notices"].get("COUNT", 0),
        }
