"""liangwei:missedgridreports (网格漏报检查) — grid units that filed neither cases nor a 零报告 on a day."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QMetaType

from .base import LiangweiAlgorithm
from .register_common import REGISTER, check_date, open_register, register_errors, register_parameter


class MissedGridReportsAlgorithm(LiangweiAlgorithm):
    ALG_ID = "missedgridreports"
    GROUP_ID = "register"
    REGISTER = REGISTER
    START = "START"
    END = "END"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("网格漏报检查")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr("列出起止日期内（含）既未报告案件、也未提交“零报告”的网格单元和日期，用于督促巡查人员到岗到位。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(register_parameter(readonly=True))
        self.addParameter(QgsProcessingParameterString(self.START, self.tr("开始日期（空为今天）"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.END, self.tr("结束日期（空为开始日期）"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("漏报清单"),
                                                            Qgis.ProcessingSourceType.Vector))
        self.addOutput(QgsProcessingOutputNumber("MISSED", self.tr("漏报次数")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        start = check_date(self.parameterAsString(parameters, self.START, context), self.tr("开始日期"))
        end_text = self.parameterAsString(parameters, self.END, context)
        end = check_date(end_text, self.tr("结束日期")) if end_text else start
        if end < start:
            raise QgsProcessingException(self.tr("结束日期 {end} 早于开始日期 {start}").format(end=end, start=start))
        reg = open_register(self.parameterAsString(parameters, self.REGISTER, context), readonly=True)
        try:
            with register_errors():
                missed = reg.missed_grid_reports(start, end)
        finally:
            reg.close()
        fields = QgsFields()
        for name in ("date", "unit_code", "unit_name", "township", "reporter"):
            fields.append(QgsField(name, QMetaType.Type.QString))
        sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, Qgis.WkbType.NoGeometry,
                                          QgsCoordinateReferenceSystem())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for m in missed:
            f = QgsFeature(fields)
            f.setAttributes([m["date"], m["unit_code"], m["unit_name"], m.get("township"), m.get("reporter")])
            sink.addFeature(f, QgsFeatureSink.Flag.FastInsert)
        feedback.pushInfo(self.tr("{start} 至 {end} 漏报 {n} 次").format(start=start, end=end, n=len(missed)))
        return {self.OUTPUT: dest, "MISSED": len(missed)}
