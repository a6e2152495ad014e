"""liangwei:recordservice (登记送达) — the date a document was served on the party, into the case's history.

Deadlines run from service (自送达之日起…): the period of the served document is counted from the date
given here and recorded with it (期限届满日).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from .base import LiangweiAlgorithm
from .documents_common import CONFIG, NUMBER_REGISTRY, number_registry_parameter, number_registry_path
from .register_common import REGISTER, check_date, open_register, register_parameter

# (number series, document title) of the documents served on a party
SERVED = (("notice", "责令限期整改通知书"), ("stop", "责令停止违法行为通知书"), ("hearing", "行政处罚听证告知书"))
METHODS = ("直接送达", "留置送达", "邮寄送达", "委托送达", "电子送达", "公告送达")


def served_days(series: str, case: dict, config: dict) -> int | None:
    """The period the served document gives from service, in days (None: the document sets none)."""
    from ..liangwei_plugin.documents.model import DocumentInput
    from ..liangwei_plugin.documents.notice import deadline_days

    dl = config.get("deadlines", {})
    if series == "notice":   # 整改期限 by consequence / determination code, as the notice printed it
        doc = DocumentInput(str(case.get("patch_id") or ""), {"consequence": case.get("consequence") or "",
                                                               "determination_code": case.get("determination_code")
                                                               or ""})
        return deadline_days(doc, config)
    if series == "hearing":  # the party asks for a hearing within this many days of service
        return int(dl.get("hearing_request_days", 5))
    if series == "stop":     # stop at once; report within this many days
        return int(dl.get("report_within_days", 7))
    return None


def issued_number(registry: str, series: str, patch_id: str, authority: str) -> str:
    """The valid number the registry issued for a patch in a series ('' when none; never allocates one).

    Keys of generated ids carry their geometry's hash after "@" (documents.batch.number_key)."""
    from ..liangwei_plugin.documents.numbering import NumberRegistry

    if not Path(registry).is_file():
        return ""
    with NumberRegistry(registry, {}, authority=authority) as reg:
        voided = {(y, n) for y, n, *_ in reg.voided(series)}
        found = [number for y, n, key, number in reg.issued(series)
                 if key.split("@")[0] == patch_id and (y, n) not in voided]
    return found[-1] if found else ""


class RecordServiceAlgorithm(LiangweiAlgorithm):
    ALG_ID = "recordservice"
    GROUP_ID = "register"
    CASE_ID = "CASE_ID"
    DOCUMENT = "DOCUMENT"
    NUMBER = "NUMBER"
    DATE = "DATE"
    METHOD = "METHOD"
    ACTOR = "ACTOR"
    NOTE = "NOTE"
    DUE = "DUE"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("登记文书送达")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "按送达回证登记文书送达日期：案件（案件编号或监测编号）、送达的文书（责令限期整改通知书、责令停止违法行为"
            "通知书、行政处罚听证告知书）、文书编号（不填时取编号登记库中为该图斑发出的编号）、送达日期、送达方式、"
            "送达人。期限自送达之日起计算：整改期限按文书配置 [deadlines]（按处理方式），"
            "听证申请期限 hearing_request_days，停止通知书的报告期限 report_within_days；"
            "期限届满日与送达记录一起写入案件处置历史；责令限期整改通知书的期限届满日同时作为案件的整治期限"
            "（拆除整治阶段的期限），超期检查自送达之日起计算。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(register_parameter())
        self.addParameter(QgsProcessingParameterString(self.CASE_ID, self.tr("案件编号或监测编号")))
        self.addParameter(QgsProcessingParameterEnum(self.DOCUMENT, self.tr("送达的文书"),
                                                     [self.tr(title) for _s, title in SERVED], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.NUMBER, self.tr("文书编号（空为编号登记库中的编号）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.DATE, self.tr("送达日期（yyyy-mm-dd，空为今天）"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, self.tr("送达方式"),
                                                     [self.tr(m) for m in METHODS], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.ACTOR, self.tr("送达人")))
        self.addParameter(QgsProcessingParameterString(self.NOTE, self.tr("备注"), optional=True))
        self.addParameter(QgsProcessingParameterFile(CONFIG, self.tr("文书配置文件（documents.toml，默认为插件自带）"),
                                                     extension="toml", optional=True))
        self.addParameter(number_registry_parameter(self.tr))
        self.addOutput(QgsProcessingOutputString(self.DUE, self.tr("期限届满日")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.documents.config import DocumentConfigError, load_config
        from ..liangwei_plugin.register import WorkflowError
        from ..liangwei_plugin.register.served import record_service

        ref = (self.parameterAsString(parameters, self.CASE_ID, context) or "").strip()
        if not ref:
            raise QgsProcessingException(self.tr("请填写案件编号或监测编号"))
        series, title = SERVED[self.parameterAsEnum(parameters, self.DOCUMENT, context)]
        served = check_date(self.parameterAsString(parameters, self.DATE, context), self.tr("送达日期"))
        if served > dt.date.today():
            raise QgsProcessingException(self.tr("送达日期 {day} 晚于今天").format(day=served.isoformat()))
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        actor = self.parameterAsString(parameters, self.ACTOR, context) or ""
        note = self.parameterAsString(parameters, self.NOTE, context) or ""
        try:
            config = load_config(self.parameterAsFile(parameters, CONFIG, context) or None)
        except (DocumentConfigError, OSError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        reg = open_register(self.parameterAsString(parameters, REGISTER, context))
        try:
            try:
                case = reg.get_case(ref)
            except KeyError as exc:
                raise QgsProcessingException(str(exc.args[0])) from exc
            number = (self.parameterAsString(parameters, self.NUMBER, context) or "").strip()
            if not number:
                registry = number_registry_path(self.parameterAsFile(parameters, NUMBER_REGISTRY, context) or "",
                                                config, context)
                number = issued_number(registry, series, str(case.get("patch_id") or ""),
                                       config["authority"].get("name", ""))
                if not number:
                    feedback.pushWarning(self.tr(
                        "编号登记库 {path} 中没有图斑 {pid} 的{title}编号，送达记录不含文书编号").format(
                            path=registry, pid=case.get("patch_id"), title=self.tr(title)))
            days = served_days(series, case, config)
            try:
                record_service(reg, case["fid"], title, number, served, days=days, method=method, actor=actor,
                               note=note)
            except WorkflowError as exc:
                raise QgsProcessingException(str(exc)) from exc
        finally:
            reg.close()
        due = (served + dt.timedelta(days=days)).isoformat() if days is not None else ""
        feedback.pushInfo(self.tr("案件 {case}：{title} {number} 于 {day} {method}，期限届满日 {due}").format(
            case=case["case_no"], title=self.tr(title), number=number, day=served.isoformat(), method=self.tr(method),
            due=due or "—"))
        return {self.DUE: due}
