"""liangwei:importfieldpackage (外业核查包导入) — a filled field package -> verifications and evidence."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from .base import FeedbackProgress, LiangweiAlgorithm
from .register_common import REGISTER, open_register, register_parameter


class ImportFieldPackageAlgorithm(LiangweiAlgorithm):
    ALG_ID = "importfieldpackage"
    GROUP_ID = "fieldwork"
    PACKAGE = "PACKAGE"
    REGISTER = REGISTER
    MAX_DISTANCE = "MAX_DISTANCE"
    EVIDENCE_FOLDER = "EVIDENCE_FOLDER"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("外业核查包导入")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "把 QField 填好的外业核查包（文件夹或其中的 .qgz）导入案件台账：每个有核查结论的图斑在案件处置历史中"
            "记一条外业核查（处置人为核查人，日期为核查时间，含结论和描述），项目主体记为当事人，新增/存量记入案件；"
            "照片复制到台账旁的举证照片文件夹（按案件分），读取 EXIF 中的拍摄位置、时间和方向，"
            "检查是否在图斑边界设定距离内（默认 100 米）、是否晚于后时相影像日期；未通过的照片保留并标明原因。"
            "重复导入同一个包不会重复记录。来自其他台账的包整包拒绝，不写入任何内容。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            self.PACKAGE, self.tr("外业核查包（文件夹或 .qgz）"),
            fileFilter=self.tr("QGIS 项目 (*.qgz *.qgs);;外业核查包文件夹 (*)")))
        self.addParameter(register_parameter())
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_DISTANCE, self.tr("照片距图斑边界的最大距离（米）"), Qgis.ProcessingNumberParameterType.Double,
            defaultValue=100.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFile(
            self.EVIDENCE_FOLDER, self.tr("举证照片存放文件夹（空为台账旁）"),
            behavior=Qgis.ProcessingFileParameterBehavior.Folder, optional=True))
        self.addOutput(QgsProcessingOutputNumber("VERIFIED", self.tr("有核查结论的图斑数")))
        self.addOutput(QgsProcessingOutputNumber("NEW_VERIFICATIONS", self.tr("新记录的外业核查数")))
        self.addOutput(QgsProcessingOutputNumber("PHOTOS", self.tr("导入的照片数")))
        self.addOutput(QgsProcessingOutputNumber("FLAGGED", self.tr("未通过检查的照片数")))
        self.addOutput(QgsProcessingOutputNumber("PROBLEMS", self.tr("未能导入的行或照片数")))
        self.addOutput(QgsProcessingOutputString("EVIDENCE_FOLDER", self.tr("举证照片文件夹")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.fieldwork.config import FieldworkError
        from ..liangwei_plugin.fieldwork.importer import evidence_root, import_field_package

        package = self.parameterAsFile(parameters, self.PACKAGE, context)
        distance = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context)
        folder = self.parameterAsFile(parameters, self.EVIDENCE_FOLDER, context) or None
        reg = open_register(self.parameterAsString(parameters, self.REGISTER, context))
        try:
            result = import_field_package(package, reg, evidence_folder=folder, max_distance_m=distance,
                                          feedback=FeedbackProgress(feedback))
            store = str(evidence_root(reg, folder))
        except FieldworkError as exc:
            raise QgsProcessingException(str(exc)) from exc
        finally:
            reg.close()
        return {"VERIFIED": len(result.verified), "NEW_VERIFICATIONS": len(result.new_verifications),
                "PHOTOS": len(result.photos), "FLAGGED": len(result.flagged), "PROBLEMS": len(result.problems),
                "EVIDENCE_FOLDER": store}
