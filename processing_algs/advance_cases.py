"""liangwei:advancecases (推进案件) — move cases to a stage in batch, with date, actor and note."""
from __future__ import annotations

import re

from qgis.core import (
    Qgis,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..liangwei_plugin.register.model import DISPOSAL_KINDS as _KINDS
from ..liangwei_plugin.register.workflow import WorkflowError, default_workflow
from .base import FeedbackProgress, LiangweiAlgorithm
from .register_common import REGISTER, check_date, open_register, register_errors, register_parameter

DISPOSAL_KINDS = ["（不填）", *_KINDS]


def stage_names() -> list[str]:
    """The stages of resources/workflow.toml, in workflow order (the enum options are their indices).
    A workflow file refused by its schema must not stop the provider loading: the stages are then empty
    and the algorithm says why when it runs."""
    try:
        return default_workflow().stage_names
    except WorkflowError as exc:
        from ..liangwei_plugin.log import logger

        logger.error("%s", exc)
        return []


class AdvanceCasesAlgorithm(LiangweiAlgorithm):
    ALG_ID = "advancecases"
    GROUP_ID = "register"
    REGISTER = REGISTER
    CASE_IDS = "CASE_IDS"
    CASES_LAYER = "CASES_LAYER"
    FROM_STAGE = "FROM_STAGE"
    TOWNSHIP = "TOWNSHIP"
    TARGET_STAGE = "TARGET_STAGE"
    DATE = "DATE"
    ACTOR = "ACTOR"
    NOTE = "NOTE"
    NOT_VIOLATION = "NOT_VIOLATION"
    DISPOSAL_KIND = "DISPOSAL_KIND"
    DEMOLISHED_M2 = "DEMOLISHED_M2"
    ATOMIC = "ATOMIC"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("推进案件（批量转阶段）")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "把选定的案件转到目标处置阶段（发现报告→快速认定→拆除整治→监督检查→办结；不属于违法的在快速认定阶段办结；"
            "监督检查未拆除到位的可退回拆除整治），每次转换记录日期、处置人和说明，写入只增不改的处置历史。"
            "案件可按编号（案件编号或监测编号，逗号/空格/换行分隔）、台账图层中的选中要素，或按当前阶段和乡镇筛选。"
            "不合法的转换逐件拒绝并说明原因；超过阶段期限的转换自动标记效能问责。"
            "“整批提交”时所有转换在一个事务中完成，中途出错或中断则全部不生效。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(register_parameter())
        self.addParameter(QgsProcessingParameterString(
            self.CASE_IDS, self.tr("案件编号或监测编号（逗号、空格或换行分隔）"), optional=True, multiLine=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.CASES_LAYER, self.tr("或：台账图层（可只用选中要素）"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.FROM_STAGE, self.tr("或：当前处于该阶段的全部案件"), options=[self.tr(s) for s in stage_names()],
            optional=True, allowMultiple=False))
        self.addParameter(QgsProcessingParameterString(self.TOWNSHIP, self.tr("限定乡镇"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.TARGET_STAGE, self.tr("目标阶段"), options=[self.tr(s) for s in stage_names()], defaultValue=2))
        self.addParameter(QgsProcessingParameterString(self.DATE, self.tr("处置日期（yyyy-mm-dd，空为今天）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.ACTOR, self.tr("处置人")))
        self.addParameter(QgsProcessingParameterString(self.NOTE, self.tr("说明（认定不属于违法时须填写证明）"),
                                                       optional=True, multiLine=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.NOT_VIOLATION, self.tr("认定不属于违法（快速认定→办结）"), defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum(
            self.DISPOSAL_KIND, self.tr("处置方式"), options=[self.tr(s) for s in DISPOSAL_KINDS], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.DEMOLISHED_M2, self.tr("拆除面积（㎡，空为整体拆除即案件面积）"),
            Qgis.ProcessingNumberParameterType.Double, optional=True, minValue=0.0))
        self.addParameter(QgsProcessingParameterBoolean(self.ATOMIC, self.tr("整批提交（全部成功或全部不生效）"),
                                                        defaultValue=True))
        self.addOutput(QgsProcessingOutputNumber("ADVANCED", self.tr("已转换案件数")))
        self.addOutput(QgsProcessingOutputNumber("REFUSED", self.tr("被拒绝的案件数")))
        self.addOutput(QgsProcessingOutputString("REFUSALS", self.tr("拒绝原因")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.feedback import Canceled
        from ..liangwei_plugin.register import ConflictError, RegisterOpenError, WorkflowError

        target_stage = stage_names()[self.parameterAsEnum(parameters, self.TARGET_STAGE, context)]
        day = check_date(self.parameterAsString(parameters, self.DATE, context), self.tr("处置日期"))
        actor = self.parameterAsString(parameters, self.ACTOR, context) or ""
        note = self.parameterAsString(parameters, self.NOTE, context) or ""
        ids_text = self.parameterAsString(parameters, self.CASE_IDS, context) or ""
        township = (self.parameterAsString(parameters, self.TOWNSHIP, context) or "").strip()
        fields = {}
        if self.parameterAsBoolean(parameters, self.NOT_VIOLATION, context):
            fields["violation"] = 0
        kind = DISPOSAL_KINDS[self.parameterAsEnum(parameters, self.DISPOSAL_KIND, context)]
        if kind != DISPOSAL_KINDS[0]:
            fields["disposal_kind"] = kind
        if parameters.get(self.DEMOLISHED_M2) not in (None, ""):
            fields["demolished_m2"] = self.parameterAsDouble(parameters, self.DEMOLISHED_M2, context)
        atomic = self.parameterAsBoolean(parameters, self.ATOMIC, context)

        reg = open_register(self.parameterAsString(parameters, self.REGISTER, context))
        try:
            refs: list = [t for t in re.split(r"[\s,，;；、]+", ids_text) if t]
            layer_source = self.parameterAsSource(parameters, self.CASES_LAYER, context)
            if layer_source is not None:
                names = layer_source.fields().names()
                key = "case_no" if "case_no" in names else ("patch_id" if "patch_id" in names else None)
                if key is None:
                    raise QgsProcessingException(
                        self.tr("图层“{layer}”没有 case_no（案件编号）字段，不是案件台账图层").format(
                            layer=layer_source.sourceName()))
                refs += [str(f[key]) for f in layer_source.getFeatures() if f[key] not in (None, "")]
            from_stage = None
            if parameters.get(self.FROM_STAGE) not in (None, "", []):
                from_stage = stage_names()[self.parameterAsEnum(parameters, self.FROM_STAGE, context)]
            if from_stage or (township and not refs):
                with register_errors():
                    refs += [c["fid"] for c in reg.find_cases(stage=from_stage, township=township or None)]
            elif township:
                with register_errors():
                    in_town = reg.find_cases(township=township)
                keep = {c["case_no"] for c in in_town} | {c["patch_id"] for c in in_town if c["patch_id"]}
                refs = [r for r in refs if r in keep]
            if not refs:
                raise QgsProcessingException(
                    self.tr("没有选定任何案件：请填写案件编号、选择台账图层要素或指定当前阶段"))
            # resolve references first: an unknown number is an error before anything is written
            fids = []
            for r in refs:
                try:
                    with register_errors():
                        fids.append(r if isinstance(r, int) else reg.get_case(r)["fid"])
                except KeyError as exc:
                    raise QgsProcessingException(str(exc.args[0])) from exc
            fids = list(dict.fromkeys(fids))
            feedback.pushInfo(self.tr("共 {n} 件案件转到“{stage}”").format(n=len(fids), stage=target_stage))
            try:
                result = reg.advance_many(fids, target_stage, day, actor, note, fields, atomic=atomic,
                                          feedback=FeedbackProgress(feedback))
            except ConflictError as exc:
                raise QgsProcessingException(self.tr("并发冲突，{what}：{msg}").format(
                    what=self.tr("整批未生效") if atomic else self.tr("此前的案件已保存"), msg=exc)) from exc
            except Canceled as exc:
                raise QgsProcessingException(
                    self.tr("已取消") + ("，" + self.tr("整批未生效") if atomic else "")) from exc
            except (WorkflowError, RegisterOpenError) as exc:
                raise QgsProcessingException(str(exc)) from exc
        finally:
            reg.close()
        if result.refused and not result.advanced:
            # nothing was done: that is a failure (non-zero exit), not a success with a count of 0
            reasons = "；".join(m for _, m in result.refused[:10]) + ("……" if len(result.refused) > 10 else "")
            raise QgsProcessingException(self.tr("全部 {n} 件案件均被拒绝，台账未作任何修改：{reasons}").format(
                n=len(result.refused), reasons=reasons))
        feedback.pushInfo(self.tr("已转换 {a} 件，拒绝 {r} 件").format(a=len(result.advanced), r=len(result.refused)))
        return {"ADVANCED": len(result.advanced), "REFUSED": len(result.refused),
                "REFUSALS": "\n".join(m for _, m in result.refused)}
