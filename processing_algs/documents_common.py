"""Shared parameters and run logic of liangwei:exportreports and liangwei:exportnotices (not an algorithm)."""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ..liangwei_plugin.documents.values import parse_date
from .base import FeedbackProgress, LiangweiAlgorithm

INPUT = "INPUT"
OVERLAY_DETAIL = "OVERLAY_DETAIL"
IMAGERY = "IMAGERY"
CONTEXT_LAYERS = "CONTEXT_LAYERS"
SELECTED_ONLY = "SELECTED_ONLY"
OUTPUT_FOLDER = "OUTPUT_FOLDER"
MERGED_PDF = "MERGED_PDF"
CONFIG = "CONFIG"
NUMBER_REGISTRY = "NUMBER_REGISTRY"
ISSUE_DATE = "ISSUE_DATE"
# 落款日期 accepted: from the first 卫片执法 year to a month ahead (a notice prepared for a set signing day)
EARLIEST_ISSUE_DATE = _dt.date(2000, 1, 1)
MAX_DAYS_AHEAD = 31
WORKERS = "WORKERS"
REGISTER = "REGISTER"   # the case register: 移送函 issued are recorded in the cases' history
INDEX = "INDEX"
COUNT = "COUNT"
KEPT = "KEPT"
FAILED = "FAILED"


def default_workers() -> int:
    """Worker processes for PDF building: one per core (at most 8).

    The main process renders the maps meanwhile; with one worker fewer than cores the workers were
    the bottleneck of the reports and the main process sat idle during the notices.
    """
    return max(1, min(8, os.cpu_count() or 1))


def number_registry_parameter(tr) -> QgsProcessingParameterFile:
    """NUMBER_REGISTRY: the bureau's document-number registry (optional; see number_registry_path)."""
    p = QgsProcessingParameterFile(NUMBER_REGISTRY, tr("文书编号登记库（SQLite，默认为本局共用的登记库）"),
                                   optional=True, fileFilter="SQLite (*.sqlite *.db);;* (*)")
    p.setHelp(tr("不填时依次为：文书配置 [numbering] registry；案件台账（GeoPackage）所在文件夹；"
                 "QGIS 用户配置文件夹下的 liangwei/文书编号登记.sqlite。各批次、图斑导航共用同一编号序列。"))
    return p


def configured_register(context) -> str:
    """The case register in use: a register layer of the project, else the one last opened in the
    case-register dock ("" when none)."""
    from qgis.core import QgsSettings

    project = context.project() if context is not None else None
    if project is not None:
        for layer in project.mapLayers().values():
            uri = layer.customProperty("liangwei/register_uri")
            if layer.customProperty("liangwei/role") == "register" and uri:
                return str(uri)
    return str(QgsSettings().value("liangwei/register/last_target", "") or "")


def number_registry_path(explicit: str, config: dict, context) -> str:
    """The registry every document algorithm, batch and the patch navigator share (never the output
    folder): ``numbering.registry_location`` with the QGIS profile folder as the per-user default."""
    from ..liangwei_plugin.documents.numbering import registry_location

    path, _source = registry_location(explicit, config.get("numbering", {}).get("registry", ""),
                                      configured_register(context), QgsApplication.qgisSettingsDirPath())
    return str(path)


def register_param(tr):
    """REGISTER: the case register the referral letters are recorded in (optional)."""
    from .register_common import register_parameter

    return register_parameter(
        True, label=tr("案件台账（记录移送函；.gpkg 路径 / PostgreSQL 连接）"),
        help_text=tr("填写时，每份移送函（移送部门、文号、日期）记入台账中该图斑案件的处置历史；未登记的图斑跳过。"
                     "已登记送达的文书重新输出时，注明送达日期，期限写明届满日期（自送达之日起计算）。"))


def record_referrals(target: str, rows, records, config: dict, issue_date, fb, tr) -> int:
    """Record every 移送函 of an export in the register (the case of its patch): department, number, date.
    Patches not registered are skipped with a message; returns how many were recorded."""
    from ..liangwei_plugin.documents.model import DocumentInput
    from ..liangwei_plugin.documents.referral import addressee
    from ..liangwei_plugin.register.served import record_referral
    from .register_common import open_register

    letters = [r for r in rows if r.document == "referral"]
    if not letters:
        return 0
    by_id = {r.patch_id: r for r in records}
    done, missing = 0, []
    reg = open_register(target)
    try:
        for row in letters:
            rec = by_id.get(row.patch_id)
            department = addressee(DocumentInput(row.patch_id, rec.attrs), config) if rec else ""
            try:
                record_referral(reg, row.patch_id, department, row.number, issue_date, actor="文书输出")
                done += 1
            except KeyError:
                missing.append(row.patch_id)
    finally:
        reg.close()
    fb.info(tr("{n} 份移送函已记入台账 {target}").format(n=done, target=target))
    if missing:
        fb.warning(tr("台账中没有以下图斑的案件，移送未记录：{ids}").format(ids="、".join(missing[:20])))
    return done


def served_in_register(reg, records, config: dict) -> dict[str, dict]:
    """{patch id: served_<kind> attributes} of the documents the register has a service for (served.py);
    the bureau's own titles of the notice, the stop order and the hearing notice count too."""
    from ..liangwei_plugin.register.served import service_attrs

    titles = {config.get(section, {}).get("title"): kind
              for section, kind in (("notice", "notice"), ("stop_order", "stop"), ("hearing", "hearing"))
              if config.get(section, {}).get("title")}
    return service_attrs(reg, [r.patch_id for r in records], titles)


class ExportDocumentsAlgorithm(LiangweiAlgorithm):
    """Base of the two export algorithms; subclasses set KIND."""

    GROUP_ID = "documents"
    REQUIRES = ("core", "documents")
    KIND = "report"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            INPUT, self.tr("规划认定结果（规划认定的输出）"), [Qgis.ProcessingSourceType.VectorPolygon]))
        self.addParameter(QgsProcessingParameterVectorLayer(
            OVERLAY_DETAIL, self.tr("叠加分析明细表（图斑叠加分析的明细输出）"),
            [Qgis.ProcessingSourceType.Vector], optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            IMAGERY, self.tr("影像时相（栅格，日期取自 catalogue.csv、文件名或元数据）"),
            Qgis.ProcessingSourceType.Raster, optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            CONTEXT_LAYERS, self.tr("位置示意图图层（规划分区、保护区等）"),
            Qgis.ProcessingSourceType.VectorAnyGeometry, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(SELECTED_ONLY, self.tr("仅输出选中的图斑"), False))
        self.addParameter(QgsProcessingParameterFolderDestination(OUTPUT_FOLDER, self.tr("输出文件夹")))
        advanced = [
            QgsProcessingParameterFileDestination(MERGED_PDF, self.tr("合并 PDF（默认在输出文件夹中）"),
                                                  "PDF (*.pdf)", optional=True, createByDefault=False),
            QgsProcessingParameterFile(CONFIG, self.tr("文书配置文件（documents.toml，默认为插件自带）"),
                                       extension="toml", optional=True),
            number_registry_parameter(self.tr),
            register_param(self.tr),
            QgsProcessingParameterString(ISSUE_DATE, self.tr("落款日期（yyyy-mm-dd，默认今天）"), optional=True),
            QgsProcessingParameterNumber(WORKERS, self.tr("生成 PDF 的工作进程数（0 为单进程）"),
                                         Qgis.ProcessingNumberParameterType.Integer, default_workers(),
                                         minValue=0, maxValue=16),
        ]
        for p in advanced:
            p.setFlags(p.flags() | Qgis.ProcessingParameterFlag.Advanced)
            self.addParameter(p)
        self.addOutput(QgsProcessingOutputFolder(OUTPUT_FOLDER, self.tr("输出文件夹")))
        self.addOutput(QgsProcessingOutputFile(MERGED_PDF, self.tr("合并 PDF")))
        self.addOutput(QgsProcessingOutputFile(INDEX, self.tr("索引表（CSV）")))
        self.addOutput(QgsProcessingOutputNumber(COUNT, self.tr("文书份数")))
        self.addOutput(QgsProcessingOutputNumber(KEPT, self.tr("续跑保留份数")))
        self.addOutput(QgsProcessingOutputNumber(FAILED, self.tr("失败份数")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.documents.batch import export_batch
        from ..liangwei_plugin.documents.config import DocumentConfigError, load_config
        from ..liangwei_plugin.documents.fonts import FontMissing, register_cjk_font
        from ..liangwei_plugin.documents.maps import MapExcerptRenderer, epochs_from_paths
        from ..liangwei_plugin.documents.sources import details_from_layer, records_from_layer
        from ..liangwei_plugin.feedback import Canceled

        fb = FeedbackProgress(feedback)
        layer = self.parameterAsVectorLayer(parameters, INPUT, context)
        if layer is None or not layer.isValid():
            raise QgsProcessingException(self.tr("无法打开输入图层（规划认定结果）"))
        config_path = self.parameterAsFile(parameters, CONFIG, context) or None
        try:
            config = load_config(config_path)
            font = config.get("font", {})
            register_cjk_font(font.get("path") or None, font.get("subfont_index", 0))
        except (FontMissing, DocumentConfigError) as exc:  # documents.toml refused: file, key and what is wrong
            raise QgsProcessingException(str(exc)) from exc
        except (OSError, ValueError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        missing = [f for f in ("area_m2", "determination") if f not in layer.fields().names()]
        if missing:
            raise QgsProcessingException(self.tr(
                "图层 {0} 缺少字段 {1}：请输入 liangwei:determine 的输出").format(layer.name(), "、".join(missing)))
        selected = self.parameterAsBoolean(parameters, SELECTED_ONLY, context)
        if selected and layer.selectedFeatureCount() == 0:
            feedback.reportError(self.tr("图层 {0} 没有选中的要素，不输出文书").format(layer.name()), fatalError=False)
        records = records_from_layer(layer, selected, fb)
        detail_layer = self.parameterAsVectorLayer(parameters, OVERLAY_DETAIL, context)
        try:
            details = details_from_layer(detail_layer, fb)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        landuse_layer = ""
        if details:
            layers = {str(r.get("layer")) for rows in details.values() for r in rows if r.get("class_code")}
            landuse_layer = sorted(layers)[0] if len(layers) == 1 else ""

        renderer = None
        if self.KIND == "report":
            imagery = [lyr for lyr in self.parameterAsLayerList(parameters, IMAGERY, context)
                       if isinstance(lyr, QgsRasterLayer)]
            context_layers = [lyr for lyr in self.parameterAsLayerList(parameters, CONTEXT_LAYERS, context)
                              if isinstance(lyr, QgsVectorLayer)]
            if imagery or context_layers:
                # fresh layers from the sources: the renderer may run outside the main thread
                epochs = epochs_from_paths([lyr.source() for lyr in imagery]) if imagery else []
                renderer = MapExcerptRenderer(epochs, context_layers, epochs[0].layer.crs() if epochs else layer.crs(),
                                              config)
                for e in epochs:
                    fb.info(self.tr("影像时相：{0} {1}").format(e.name, e.label))

        issue_text = self.parameterAsString(parameters, ISSUE_DATE, context).strip()
        issue_date = parse_date(issue_text) if issue_text else _dt.date.today()
        if issue_text and issue_date is None:
            raise QgsProcessingException(self.tr("落款日期无法识别：{0}（应为 yyyy-mm-dd）").format(issue_text))
        # a document is signed on the day it is issued: a date far ahead (9999-12-31, a typed 2062) would print a
        # date no section chief signed and start every deadline from it; reprints of earlier documents keep theirs
        latest = _dt.date.today() + _dt.timedelta(days=MAX_DAYS_AHEAD)
        if issue_date > latest or issue_date < EARLIEST_ISSUE_DATE:
            raise QgsProcessingException(self.tr("落款日期 {0} 不在合理范围（{1} 至 {2}）内，请检查是否填错").format(
                issue_date.isoformat(), EARLIEST_ISSUE_DATE.isoformat(), latest.isoformat()))
        registry = number_registry_path(self.parameterAsString(parameters, NUMBER_REGISTRY, context), config, context)
        folder = Path(self.parameterAsString(parameters, OUTPUT_FOLDER, context))
        merged = self.parameterAsFileOutput(parameters, MERGED_PDF, context) or None
        workers = self.parameterAsInt(parameters, WORKERS, context)
        evidence = None
        target = (self.parameterAsString(parameters, REGISTER, context) or "").strip()
        if target:   # the 现场核查 section and the on-site findings in 经查 come from the register
            from ..liangwei_plugin.fieldwork.documents import field_evidence
            from .register_common import open_register

            reg = open_register(target)
            try:
                evidence = field_evidence(reg, [r.patch_id for r in records])
                served = served_in_register(reg, records, config) if self.KIND == "notice" else {}
            finally:
                reg.close()
            if served:   # a reprint after 登记送达: the periods end on dates counted from the recorded service
                for r in records:
                    r.attrs.update(served.get(r.patch_id, {}))
                fb.info(self.tr("{n} 个图斑的文书已登记送达：期限自送达之日计算并注明届满日期").format(n=len(served)))
            for r in records:    # a field rule (合法 with approval, 设施农用地 on file, 农村道路) decided on import
                ev = evidence.get(r.patch_id)
                if ev is not None and ev.determination:
                    r.attrs.update(ev.determination)
                    fb.info(self.tr("图斑 {0}：按外业核查认定（{1} {2}）").format(
                        r.patch_id, ev.determination["rule_id"], ev.determination["rule_name"]))
        try:
            result = export_batch(self.KIND, records, folder, config=config, details=details, renderer=renderer,
                                  registry_path=registry, issue_date=issue_date, landuse_layer=landuse_layer,
                                  merged_path=merged, workers=workers, feedback=fb, evidence=evidence)
        except Canceled:
            raise QgsProcessingException(self.tr("已取消；已完成的文书保留，再次运行将续跑")) from None
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        for pid, message in result.failed:
            feedback.reportError(self.tr("图斑 {0}：{1}").format(pid, message), fatalError=False)
        if target and self.KIND == "notice":
            record_referrals(target, result.rows, records, config, issue_date, fb, self.tr)
        return {
            OUTPUT_FOLDER: str(folder),
            MERGED_PDF: str(result.merged) if result.merged else None,
            INDEX: str(result.index) if result.index else None,
            COUNT: sum(1 for r in result.rows if r.document == self.KIND),  # not referrals, 待查明 rows
            KEPT: result.kept,
            FAILED: len(result.failed),
        }
