"""liangwei:samplecounty (生成示例县数据) — the bundled training/demo county."""
from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsProcessingParameterFolderDestination, QgsProcessingParameterNumber

from .base import FeedbackProgress, LiangweiAlgorithm


class SampleCountyAlgorithm(LiangweiAlgorithm):
    ALG_ID = "samplecounty"
    GROUP_ID = "onemap"
    REQUIRES = ("core", "imagery")   # scipy: the imagery epochs
    SEED = "SEED"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("生成示例县数据")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "生成一个虚构但逼真的示例县（CGCS2000 3度带高斯-克吕格投影）：乡镇界线、三调地类图斑、"
            "三区三线与规划分区、保护区、两期影像（GeoTIFF）和卫片监测图斑。"
            "同一随机种子总是生成相同的数据，用于培训、演示和测试。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(
            QgsProcessingParameterNumber(self.SEED, self.tr("随机种子"),
                                         Qgis.ProcessingNumberParameterType.Integer, 2026)
        )
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("输出文件夹")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.sample_county import generate_sample_county

        seed = self.parameterAsInt(parameters, self.SEED, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        files = generate_sample_county(folder, seed=seed, feedback=FeedbackProgress(feedback))
        return {self.OUTPUT_FOLDER: str(folder), **{k.upper(): str(v) for k, v in files.items()}}
