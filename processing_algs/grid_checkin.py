"""liangwei:gridcheckin (网格日报/零报告) — a grid unit's daily report: its cases, or a 零报告."""
from __future__ import annotations

import re

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterString,
)

from .base import LiangweiAlgorithm
from .register_common import REGISTER, check_date, open_register, register_errors, register_parameter


class GridCheckinAlgorithm(LiangweiAlgorithm):
    ALG_ID = "gridcheckin"
    GROUP_ID = "register"
    REGISTER = REGISTER
    UNIT = "UNIT"
    UNIT_NAME = "UNIT_NAME"
    TOWNSHIP = "TOWNSHIP"
    DATE = "DATE"
    REPORTER = "REPORTER"
    CASE_IDS = "CASE_IDS"
    NOTE = "NOTE"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("网格日报（零报告打卡）")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "网格单元（村居、小区）提交当日巡查报告：填写当天发现并已登记的案件编号；未发现新增“两违”的不填，即为“零报告”。"
            "每个单元每天只能报告一次。填写单元名称时，未登记的网格单元会自动登记"
            "（也可直接在台账的 grid_units 表中维护）。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(register_parameter())
        self.addParameter(QgsProcessingParameterString(self.UNIT, self.tr("网格单元编码")))
        self.addParameter(QgsProcessingParameterString(self.UNIT_NAME, self.tr("网格单元名称（新单元时填写）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.TOWNSHIP, self.tr("所属乡镇（新单元时填写）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.DATE, self.tr("报告日期（空为今天）"), optional=True))
        # optional in the definition so that an empty value gets the Chinese message below, not Processing's
        self.addParameter(QgsProcessingParameterString(self.REPORTER, self.tr("巡查人员（必填）"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.CASE_IDS, self.tr("当日发现的案件编号（空 = 零报告）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.NOTE, self.tr("说明"), optional=True))
        self.addOutput(QgsProcessingOutputNumber("CASES", self.tr("报告案件数")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        unit = (self.parameterAsString(parameters, self.UNIT, context) or "").strip()
        name = (self.parameterAsString(parameters, self.UNIT_NAME, context) or "").strip()
        town = (self.parameterAsString(parameters, self.TOWNSHIP, context) or "").strip()
        day = check_date(self.parameterAsString(parameters, self.DATE, context), self.tr("报告日期"))
        reporter = (self.parameterAsString(parameters, self.REPORTER, context) or "").strip()
        if not unit:
            raise QgsProcessingException(self.tr("请填写网格单元编码"))
        if not reporter:
            # the daily report is what holds the patrol to account (到岗到位): it must say who reported
            raise QgsProcessingException(self.tr("请填写巡查人员：网格日报（含零报告）须写明报告人"))
        ids = [t for t in re.split(r"[\s,，;；、]+", self.parameterAsString(parameters, self.CASE_IDS, context) or "")
               if t]
        note = self.parameterAsString(parameters, self.NOTE, context) or ""
        reg = open_register(self.parameterAsString(parameters, self.REGISTER, context))
        try:
            with register_errors():
                for ref in ids:
                    try:
                        reg.get_case(ref)
                    except KeyError as exc:
                        raise QgsProcessingException(str(exc.args[0])) from exc
                if name and unit not in {u["unit_code"] for u in reg.grid_units(active_only=False)}:
                    reg.add_grid_unit(unit, name, town, name, reporter=reporter, active_from=day)
                result = reg.submit_grid_report(unit, day, reporter, ids, note)
        finally:
            reg.close()
        feedback.pushInfo(self.tr("{unit} {day}：{what}").format(
            unit=unit, day=day.isoformat(), what=self.tr("零报告") if result["is_zero"] else
            self.tr("报告案件 {n} 件").format(n=result["case_count"])))
        return {"CASES": result["case_count"]}
