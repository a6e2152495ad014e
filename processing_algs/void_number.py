"""liangwei:voidnumber (作废文书编号) — void a document number issued in error; it is recorded, never reissued."""
from __future__ import annotations

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

# series keys of the number registry (documents.toml [numbering.<series>]) and their names
SERIES = (("report", "规划认定意见书"), ("notice", "责令限期整改通知书"), ("stop", "责令停止违法行为通知书"),
          ("hearing", "行政处罚听证告知书"), ("referral", "案件线索移送函"))


class VoidNumberAlgorithm(LiangweiAlgorithm):
    ALG_ID = "voidnumber"
    GROUP_ID = "documents"
    REQUIRES = ("core",)
    SERIES = "SERIES"
    NUMBER = "NUMBER"
    REASON = "REASON"
    PATCH_ID = "PATCH_ID"
    VOIDED = "VOIDED"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("作废文书编号")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "作废一个误发的文书编号（如 ×自然资责改〔2026〕第17号）：编号登记库中保留该编号及作废时间、原因，"
            "该编号永不再发；原图斑下次输出文书时取得新编号。须注明作废原因。"
            "编号登记库不填时为本局共用的登记库（与文书输出算法相同）。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(number_registry_parameter(self.tr))
        self.addParameter(QgsProcessingParameterEnum(self.SERIES, self.tr("文书类别"),
                                                     [self.tr(name) for _key, name in SERIES], defaultValue=1))
        self.addParameter(QgsProcessingParameterString(self.NUMBER, self.tr("文书编号（完整编号）")))
        self.addParameter(QgsProcessingParameterString(self.REASON, self.tr("作废原因")))
        self.addParameter(QgsProcessingParameterFile(CONFIG, self.tr("文书配置文件（documents.toml，默认为插件自带）"),
                                                     extension="toml", optional=True))
        self.addOutput(QgsProcessingOutputString(self.PATCH_ID, self.tr("编号原属图斑")))
        self.addOutput(QgsProcessingOutputString(self.VOIDED, self.tr("已作废的编号")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.documents.config import DocumentConfigError, load_config
        from ..liangwei_plugin.documents.numbering import NumberRegistry

        number = (self.parameterAsString(parameters, self.NUMBER, context) or "").strip()
        reason = (self.parameterAsString(parameters, self.REASON, context) or "").strip()
        if not number:
            raise QgsProcessingException(self.tr("请填写要作废的文书编号"))
        if not reason:
            raise QgsProcessingException(self.tr("作废文书编号须注明原因"))
        series, title = SERIES[self.parameterAsEnum(parameters, self.SERIES, context)]
        try:
            config = load_config(self.parameterAsFile(parameters, CONFIG, context) or None)
        except (DocumentConfigError, OSError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        path = number_registry_path(self.parameterAsFile(parameters, NUMBER_REGISTRY, context) or "", config,
                                    context)
        authority = config["authority"].get("name", "")
        if not Path(path).is_file():   # never create an empty registry just to fail in it
            raise QgsProcessingException(self.tr("文书编号登记库不存在：{path}").format(path=path))
        with NumberRegistry(path, {}, authority=authority) as reg:
            try:
                key = reg.void(series, number, reason)
            except KeyError:
                raise QgsProcessingException(self.tr(
                    "编号登记库 {path} 中没有{authority}发出的{title}编号“{number}”").format(
                        path=path, authority=authority, title=self.tr(title), number=number)) from None
        feedback.pushInfo(self.tr("已作废{title} {number}（图斑 {key}）：{reason}；登记库 {path}").format(
            title=self.tr(title), number=number, key=key, reason=reason, path=path))
        return {self.PATCH_ID: key, self.VOIDED: number}
