"""liangwei:buildonemap (生成一张图项目) — catalogue -> a .qgz project anyone can open in QGIS."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsProcessingException,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from .base import FeedbackProgress, LiangweiAlgorithm


class BuildOneMapAlgorithm(LiangweiAlgorithm):
    ALG_ID = "buildonemap"
    GROUP_ID = "onemap"
    CATALOGUE = "CATALOGUE"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("生成一张图项目")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "按数据目录（TOML，[[layer]] 条目含 role、path、name、code_field、date）生成一张图QGIS项目（.qgz）："
            "图层组自上而下为 案件台账、监测图斑、保护区、规划分区、土地利用现状、影像时相；"
            "影像按时相排序，最新两期显示；土地利用现状按三调地类配色，三区三线、保护区、监测图斑、案件按标准样式显示。"
            "项目使用相对路径，可连同数据文件夹一起移动；不装本插件的QGIS也能打开。"
        )

    def flags(self):
        # Builds a QgsProject with layers: keep it on the main thread.
        return super().flags() | Qgis.ProcessingAlgorithmFlag.NoThreading

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(self.CATALOGUE, self.tr("数据目录（TOML）"),
                                                     extension="toml"))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, self.tr("一张图项目"),
                                                                self.tr("QGIS 项目 (*.qgz)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.onemap.catalogue import CatalogueError
        from ..liangwei_plugin.onemap.project_builder import write_onemap_project

        catalogue = self.parameterAsFile(parameters, self.CATALOGUE, context)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        try:
            written = write_onemap_project(catalogue, output, FeedbackProgress(feedback))
        except CatalogueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        return {self.OUTPUT: str(written)}
