"""liangwei:exportledger (导出新增违法违规问题台账) — the monthly ledger as XLSX or CSV."""
from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..liangwei_plugin.dependencies import missing_message
from .base import FeedbackProgress, LiangweiAlgorithm
from .register_common import REGISTER, check_date, open_register, register_errors, register_parameter


class ExportLedgerAlgorithm(LiangweiAlgorithm):
    ALG_ID = "exportledger"
    GROUP_ID = "register"
    REGISTER = REGISTER
    MONTH = "MONTH"
    AS_OF = "AS_OF"
    OUTPUT = "OUTPUT"
    NUMBER_REGISTRY = "NUMBER_REGISTRY"
    UNIT = "UNIT"
    REPORTER = "REPORTER"
    REVIEWER = "REVIEWER"
    REPORT_DATE = "REPORT_DATE"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("导出新增违法违规问题台账")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "按月导出《新增违法违规问题台账》（报送纪委监委）：序号、案件/监测编号、乡镇、村、问题来源、发现时间、当事人、"
            "违法类型/认定、占地面积及其中耕地和永久基本农田、责任单位、处置阶段与期限、处置方式、拆除面积、是否超期、"
            "效能问责、是否移交纪委监委、备注。月份为空时导出全部违法案件。"
            "面积同时列㎡和亩（1亩=10000/15㎡，两位小数）；认定意见书、整改通知书文号取自文书编号登记"
            "（文书编号登记.sqlite，空为文书配置或默认位置的登记，没有则文号列为空）。"
            "超过7日处置期限仍未处置的新增案件（任何阶段，含快速认定）按 workflow.toml 的 [[referral.rule]] "
            "标为应移交纪委监委。"
            "输出 .xlsx（A3横向、按页宽缩放、每页重复表头、全表框线、填报单位/填报人/审核人/报送日期落款，"
            "另附“乡镇汇总”表：案件数、面积㎡/亩、违法占耕比）或 .csv（UTF-8）。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(register_parameter(readonly=True))
        self.addParameter(QgsProcessingParameterString(self.MONTH, self.tr("月份（yyyy-mm，空为全部）"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.AS_OF, self.tr("统计日期（判断是否超期，空为今天）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("台账文件"), self.tr("Excel 工作簿 (*.xlsx);;CSV 文件 (*.csv)"), defaultValue=None))
        self.addParameter(QgsProcessingParameterFile(
            self.NUMBER_REGISTRY, self.tr("文书编号登记库（.sqlite）"), extension="sqlite",
            optional=True))
        for name, label in ((self.UNIT, self.tr("填报单位（空为文书配置的发文机关，或留空手填）")),
                            (self.REPORTER, self.tr("填报人")), (self.REVIEWER, self.tr("审核人")),
                            (self.REPORT_DATE, self.tr("报送日期（yyyy-mm-dd）"))):
            self.addParameter(QgsProcessingParameterString(name, label, optional=True))
        self.addOutput(QgsProcessingOutputNumber("ROWS", self.tr("案件数")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.register import WorkflowError
        from ..liangwei_plugin.register.ledger import export_ledger

        month = (self.parameterAsString(parameters, self.MONTH, context) or "").strip()
        as_of = check_date(self.parameterAsString(parameters, self.AS_OF, context), self.tr("统计日期"))
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        registry = (self.parameterAsFile(parameters, self.NUMBER_REGISTRY, context) or "").strip() or None
        report_text = (self.parameterAsString(parameters, self.REPORT_DATE, context) or "").strip()
        report_date = check_date(report_text, self.tr("报送日期")) if report_text else None
        footer = {k.lower(): (self.parameterAsString(parameters, k, context) or "").strip()
                  for k in (self.UNIT, self.REPORTER, self.REVIEWER)}
        if not output.lower().endswith((".xlsx", ".csv")):
            output += ".xlsx"
        if output.lower().endswith(".xlsx") and missing_message(("ledger",)):
            raise QgsProcessingException(missing_message(("ledger",)) + self.tr("（可改为输出 .csv 文件。）"))
        if month:
            from ..liangwei_plugin.register.storage import month_range

            try:   # parameters first: a mistyped month is named before the register is opened
                month_range(month)
            except WorkflowError as exc:
                raise QgsProcessingException(str(exc)) from exc
        reg = open_register(self.parameterAsString(parameters, self.REGISTER, context), readonly=True)
        try:
            with register_errors():
                result = export_ledger(reg, output, month or None, as_of, feedback=FeedbackProgress(feedback),
                                       numbers_registry=registry, report_date=report_date, **footer)
        except WorkflowError as exc:
            raise QgsProcessingException(str(exc)) from exc
        finally:
            reg.close()
        return {self.OUTPUT: result["path"], "ROWS": result["rows"]}
