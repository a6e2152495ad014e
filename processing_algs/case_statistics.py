"""liangwei:casestatistics (案件统计) — counts, areas, overdue, 7-day closure, 违法占耕比, with a chart."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QMetaType

from .base import FeedbackProgress, LiangweiAlgorithm
from .register_common import REGISTER, check_date, open_register, register_errors, register_parameter


class CaseStatisticsAlgorithm(LiangweiAlgorithm):
    ALG_ID = "casestatistics"
    GROUP_ID = "register"
    REGISTER = REGISTER
    PERIOD = "PERIOD"
    AS_OF = "AS_OF"
    OUTPUT = "OUTPUT"
    OUTPUT_CHART = "OUTPUT_CHART"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("案件统计")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "按乡镇、问题来源、处置阶段、责任单位统计案件数、违法案件数、违法占地面积（其中耕地、永久基本农田）、拆除面积、"
            "超期案件数、办结数、7日内办结数和违法占耕比（增量违法案件占用耕地 ÷ 全部增量新增建设占用耕地），"
            "并输出统计图（PNG）。期间为空统计全部，可填年份（yyyy）或月份（yyyy-mm，按发现时间）。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(register_parameter(readonly=True))
        self.addParameter(QgsProcessingParameterString(self.PERIOD, self.tr("统计期间（yyyy 或 yyyy-mm，空为全部）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.AS_OF, self.tr("统计日期（判断是否超期，空为今天）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("案件统计表"),
                                                            type=Qgis.ProcessingSourceType.Vector))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_CHART, self.tr("统计图"), self.tr("PNG 图片 (*.png)"), optional=True, createByDefault=True))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.register import WorkflowError
        from ..liangwei_plugin.register.statistics import METRICS, case_statistics, statistics_chart

        period = (self.parameterAsString(parameters, self.PERIOD, context) or "").strip()
        as_of = check_date(self.parameterAsString(parameters, self.AS_OF, context), self.tr("统计日期"))
        from ..liangwei_plugin.register.statistics import period_filter

        try:   # parameters first: a mistyped period is named before the register is opened
            period_filter(period)
        except WorkflowError as exc:
            raise QgsProcessingException(str(exc)) from exc
        reg = open_register(self.parameterAsString(parameters, self.REGISTER, context), readonly=True)
        try:
            with register_errors():
                rows = case_statistics(reg, period or None, as_of, FeedbackProgress(feedback))
        except WorkflowError as exc:
            raise QgsProcessingException(str(exc)) from exc
        finally:
            reg.close()
        fields = QgsFields()
        fields.append(QgsField("dimension", QMetaType.Type.QString))
        fields.append(QgsField("group_name", QMetaType.Type.QString))
        for key, _label in METRICS:
            is_int = key in ("cases", "violations", "overdue", "referral_due", "closed", "closed_7d")
            fields.append(QgsField(key, QMetaType.Type.Int if is_int else QMetaType.Type.Double))
        sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, Qgis.WkbType.NoGeometry,
                                          QgsCoordinateReferenceSystem())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for r in rows:
            f = QgsFeature(fields)
            f.setAttributes([r["dimension"], r["group"]] + [r[k] for k, _ in METRICS])
            sink.addFeature(f, QgsFeatureSink.Flag.FastInsert)
        total = rows[0]
        ratio = total["illegal_farmland_ratio"]
        feedback.pushInfo(self.tr("案件 {n} 件，其中违法 {v} 件、超期 {o} 件、7日内办结 {c} 件；违法占耕比 {r}").format(
            n=total["cases"], v=total["violations"], o=total["overdue"], c=total["closed_7d"],
            r="—" if ratio is None else f"{ratio:.2f}%"))
        result = {self.OUTPUT: dest}
        chart = self.parameterAsFileOutput(parameters, self.OUTPUT_CHART, context)
        if chart:
            title = self.tr("两违案件统计") + (f"（{period}）" if period else "")
            result[self.OUTPUT_CHART] = statistics_chart(rows, chart, title)
        return result
