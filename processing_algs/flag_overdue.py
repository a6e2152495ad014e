"""liangwei:flagoverdue (效能问责检查) — which cases are overdue, in which stage, who is responsible."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QMetaType

from .base import LiangweiAlgorithm
from .register_common import REGISTER, check_date, open_register, register_errors, register_parameter

_TEXT, _INT = QMetaType.Type.QString, QMetaType.Type.Int
OUTPUT_FIELDS = [("case_no", _TEXT), ("patch_id", _TEXT), ("township", _TEXT),
                 ("village", _TEXT), ("source", _TEXT), ("stage", _TEXT),
                 ("stage_due", _TEXT), ("overdue_days", _INT), ("role", _TEXT),
                 ("department", _TEXT), ("party", _TEXT),
                 ("accountability_note", _TEXT), ("referral_reason", _TEXT),
                 ("referral_due", _TEXT)]


class FlagOverdueAlgorithm(LiangweiAlgorithm):
    ALG_ID = "flagoverdue"
    GROUP_ID = "register"
    REGISTER = REGISTER
    AS_OF = "AS_OF"
    ACTOR = "ACTOR"
    RECORD = "RECORD"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("效能问责检查（超期案件）")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "列出在统计日期仍未完成当前阶段的超期案件：所处阶段、期限、超期天数、责任角色（巡查人员/认定人员/拆除人员/监督人员）、"
            "责任单位，以及应移交纪委监委的事由和期限（新增违法未按时限整改到位：期限后15日内）。"
            "勾选“记入台账”时，同时在每件超期案件上标记效能问责并写入处置历史（每个阶段只记一次）。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(register_parameter())
        self.addParameter(QgsProcessingParameterString(self.AS_OF, self.tr("统计日期（空为今天）"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(self.RECORD, self.tr("记入台账（标记效能问责并写入历史）"),
                                                        defaultValue=False))
        self.addParameter(QgsProcessingParameterString(self.ACTOR, self.tr("检查人"), optional=True,
                                                       defaultValue="效能办"))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("超期案件"),
                                                            Qgis.ProcessingSourceType.VectorPolygon))
        self.addOutput(QgsProcessingOutputNumber("OVERDUE", self.tr("超期案件数")))
        self.addOutput(QgsProcessingOutputNumber("FLAGGED", self.tr("本次新标记的案件数")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        day = check_date(self.parameterAsString(parameters, self.AS_OF, context), self.tr("统计日期"))
        record = self.parameterAsBoolean(parameters, self.RECORD, context)
        actor = self.parameterAsString(parameters, self.ACTOR, context) or "效能办"
        # only "记入台账" writes: without it the register is opened read-only (a mistyped path creates nothing)
        reg = open_register(self.parameterAsString(parameters, self.REGISTER, context), readonly=not record)
        try:
            with register_errors():
                flagged = reg.flag_overdue(day, actor) if record else []
                cases = reg.find_cases(overdue_on=day, with_geometry=True, order="stage_due, case_no")
            fields = QgsFields()
            for name, kind in OUTPUT_FIELDS:
                fields.append(QgsField(name, kind))
            sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, Qgis.WkbType.MultiPolygon,
                                              QgsCoordinateReferenceSystem(f"EPSG:{reg.srid}"))
            if sink is None:
                raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
            roles: dict[str, int] = {}
            for i, c in enumerate(cases):
                if feedback.isCanceled():
                    break
                st = reg.status(c, day)
                roles[st.overdue_role] = roles.get(st.overdue_role, 0) + 1
                f = QgsFeature(fields)
                if c.get("geom"):
                    g = QgsGeometry()
                    g.fromWkb(c["geom"])
                    f.setGeometry(g)
                f.setAttributes([c["case_no"], c["patch_id"], c["township"], c["village"], c["source"], c["stage"],
                                 c["stage_due"], st.overdue_days, st.overdue_role, c["department"], c["party"],
                                 c["accountability_note"], st.referral_reason,
                                 st.referral_due.isoformat() if st.referral_due else None])
                sink.addFeature(f, QgsFeatureSink.Flag.FastInsert)
                feedback.setProgress(100.0 * (i + 1) / max(1, len(cases)))
        finally:
            reg.close()
        summary = "；".join(f"{role} {n} 件" for role, n in sorted(roles.items(), key=lambda kv: -kv[1]))
        feedback.pushInfo(self.tr("{day} 超期案件 {n} 件（{roles}）；本次记入效能问责 {f} 件").format(
            day=day.isoformat(), n=len(cases), roles=summary or "—", f=len(flagged)))
        return {self.OUTPUT: dest, "OVERDUE": len(cases), "FLAGGED": len(flagged)}
