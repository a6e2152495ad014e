"""liangwei:determine (规划认定) — determinations of overlay-checked patches from the rule table."""
from __future__ import annotations

import datetime

from qgis.core import (
    Qgis,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
)
from qgis.PyQt.QtCore import QMetaType, QVariant

from .base import FeedbackProgress, LiangweiAlgorithm, StyleOnLoad

_OUTPUT_TYPES = {"violation": QMetaType.Type.Int}


def _python_value(value):
    """A QGIS attribute as a plain Python value (NULL -> None) for the rule evaluation."""
    if value is None:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if hasattr(value, "isNull") and value.isNull():
        return None
    if hasattr(value, "toPyDateTime"):
        return value.toPyDateTime()
    if hasattr(value, "toPyDate"):
        return value.toPyDate()
    if isinstance(value, (str, int, float, bool, datetime.date)):
        return value
    return str(value)


class DetermineAlgorithm(LiangweiAlgorithm):
    ALG_ID = "determine"
    GROUP_ID = "review"
    INPUT = "INPUT"
    RULES = "RULES"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("规划认定")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "根据图斑叠加分析（liangwei:overlaycheck）的结果和可编辑的规则表，逐个图斑作出规划认定："
            "尚可采取改正措施消除对规划实施的影响 / 无法采取改正措施消除对规划实施的影响 / 不属于违法用地违法建设，"
            "给出处理后果（限期拆除并恢复原状 / 没收 / 补办手续）、命中的规则、法律依据和责任部门。\n"
            "规则文件默认为插件自带的 resources/determination_rules.toml；复制后修改阈值、用语、部门和规则，"
            "再在“规则文件”中选择即可，无需改代码。规则自上而下，第一条满足的规则生效。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, self.tr("叠加分析结果（图斑叠加分析的输出）"), [Qgis.ProcessingSourceType.Vector]))
        self.addParameter(QgsProcessingParameterFile(
            self.RULES, self.tr("规则文件（留空用默认规则）"), extension="toml", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("规划认定结果")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import pandas as pd

        from ..liangwei_plugin.determination import (
            OUTPUT_FIELDS,
            AbsentFieldError,
            RuleFileError,
            determine_frame,
            load_rules,
            missing_overlay_fields,
        )
        from ..liangwei_plugin.feedback import Canceled

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        layer_name = source.sourceName() or self.INPUT
        rules_path = self.parameterAsFile(parameters, self.RULES, context) or None
        try:
            rules = load_rules(rules_path)
        except RuleFileError as exc:
            raise QgsProcessingException(str(exc)) from None
        feedback.pushInfo(self.tr("规则文件：{path}（{n} 条规则）").format(path=rules.path, n=len(rules.rules)))

        from ..liangwei_plugin.vector_io import names_from_dbf

        in_fields = source.fields()
        names = names_from_dbf([f.name() for f in in_fields])  # an overlay written as a shapefile
        missing = missing_overlay_fields(names)
        if missing:
            raise QgsProcessingException(self.tr(
                "图层“{layer}”缺少叠加分析字段：{fields}。请先对图斑运行“图斑叠加分析”（liangwei:overlaycheck），"
                "再以其输出作为本算法的输入。").format(layer=layer_name, fields="、".join(missing)))

        contract = {n.lower() for n in OUTPUT_FIELDS}
        kept = [i for i, n in enumerate(names) if n.lower() not in contract]
        if len(kept) < len(names):
            feedback.pushInfo(self.tr("输入已含规划认定字段，将按当前规则重新认定并覆盖。"))
        out_fields = QgsFields()
        for i in kept:
            out_fields.append(in_fields.at(i))
        for name in OUTPUT_FIELDS:
            out_fields.append(QgsField(name, _OUTPUT_TYPES.get(name, QMetaType.Type.QString)))

        total = source.featureCount() or 0
        features: list[QgsFeature] = []
        records: list[list] = []
        step = 40.0 / total if total else 0
        for n, feat in enumerate(source.getFeatures(QgsFeatureRequest())):
            if feedback.isCanceled():
                return {}
            features.append(QgsFeature(feat))
            records.append([_python_value(v) for v in feat.attributes()])
            feedback.setProgress(n * step)
        frame = pd.DataFrame(records, columns=names) if records else pd.DataFrame(columns=names)

        try:
            result = determine_frame(frame, rules, FeedbackProgress(feedback))
        except Canceled:
            return {}
        except AbsentFieldError as exc:
            raise QgsProcessingException(
                self.tr("图层“{layer}”：{error}").format(layer=layer_name, error=exc)) from None
        feedback.setProgress(60)

        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, source.wkbType(),
                                             source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        StyleOnLoad.attach(context, dest_id, None, "determination")  # coloured by result
        id_index = next(i for i, x in enumerate(names) if x.lower() == "patch_id")
        columns = [result[name].tolist() for name in OUTPUT_FIELDS]
        step = 40.0 / len(features) if features else 0
        for n, feat in enumerate(features):
            if feedback.isCanceled():
                return {}
            attrs = feat.attributes()
            out = QgsFeature(out_fields)
            out.setGeometry(feat.geometry())
            values = [attrs[i] for i in kept]
            violation = columns[0][n]  # None: not determined (no measurable area)
            values += [None if violation is None else int(violation)] + [str(col[n]) for col in columns[1:]]
            out.setAttributes(values)
            if not sink.addFeature(out, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(self.tr("无法写出图斑 {id}：{error}").format(
                    id=attrs[id_index], error=sink.lastError() if hasattr(sink, "lastError") else ""))
            feedback.setProgress(60 + n * step)

        counts = result["determination_code"].value_counts()
        labels = {"uncorrectable": self.tr("无法采取改正措施"), "correctable": self.tr("尚可采取改正措施"),
                  "not_violation": self.tr("不属于违法"), "undetermined": self.tr("未认定（无可量测面积）")}
        feedback.pushInfo(self.tr("共认定 {n} 个图斑：").format(n=len(result)) + "，".join(
            f"{labels[c]} {int(counts.get(c, 0))}" for c in labels))
        return {self.OUTPUT: dest_id}
