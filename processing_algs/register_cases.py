"""liangwei:registercases (登记案件) — determined patches → cases in the register (台账)."""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..liangwei_plugin.feedback import ProgressSlice
from ..liangwei_plugin.register.model import SOURCES, STOCK_KINDS
from .base import FeedbackProgress, LiangweiAlgorithm
from .register_common import REGISTER, check_date, open_register, register_errors, register_parameter


class RegisterCasesAlgorithm(LiangweiAlgorithm):
    ALG_ID = "registercases"
    GROUP_ID = "register"
    INPUT = "INPUT"
    REGISTER = REGISTER
    SOURCE = "SOURCE"
    STOCK_KIND = "STOCK_KIND"
    DATE = "DATE"
    ACTOR = "ACTOR"
    CLOSE_NOT_VIOLATIONS = "CLOSE_NOT_VIOLATIONS"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("登记案件（入台账）")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "把“规划认定”（liangwei:determine）的结果图斑登记为案件台账中的案件：每个图斑一案。"
            "图斑按监测编号和图形识别：编号已在台账中且图形相同的跳过（重复运行不会重复登记）；"
            "编号相同而图形不同的是编号冲突，另行登记为新案件并逐条提示（不跳过）；没有编号的按图形登记。新案件进入“快速认定”阶段，"
            "期限按流程配置（resources/workflow.toml）计算；认定不属于违法的图斑同时登记并在认定阶段办结"
            "（计入违法占耕比的分母）。台账可以是 GeoPackage 文件（不存在时创建）或 PostgreSQL/PostGIS 数据库。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, self.tr("规划认定结果（规划认定的输出）"),
            [Qgis.ProcessingSourceType.VectorPolygon]))
        self.addParameter(register_parameter())
        self.addParameter(QgsProcessingParameterEnum(
            self.SOURCE, self.tr("问题来源"), options=[self.tr(s) for s in SOURCES], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.STOCK_KIND, self.tr("存量/增量"), options=[self.tr(s) for s in STOCK_KINDS], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.DATE, self.tr("发现/登记日期（yyyy-mm-dd，空为今天）"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.ACTOR, self.tr("登记人"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CLOSE_NOT_VIOLATIONS, self.tr("不属于违法的图斑登记后在认定阶段办结"), defaultValue=True))
        self.addOutput(QgsProcessingOutputNumber("ADDED", self.tr("新登记案件数")))
        self.addOutput(QgsProcessingOutputNumber("SKIPPED", self.tr("已在台账中（跳过）")))
        self.addOutput(QgsProcessingOutputNumber("CLOSED", self.tr("认定不属于违法并办结")))
        self.addOutput(QgsProcessingOutputNumber("CONFLICTS", self.tr("编号冲突（同一编号、图形不同）另行登记")))
        self.addOutput(QgsProcessingOutputNumber("NO_ID", self.tr("无监测编号、按图形登记")))
        self.addOutput(QgsProcessingOutputString("REGISTER_LAYER", self.tr("台账图层数据源")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.feedback import Canceled
        from ..liangwei_plugin.register import WorkflowError
        from ..liangwei_plugin.register.intake import FieldPlan

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        layer_name = source.sourceName() or self.tr("输入图层")
        target = self.parameterAsString(parameters, self.REGISTER, context)
        origin = SOURCES[self.parameterAsEnum(parameters, self.SOURCE, context)]
        stock = STOCK_KINDS[self.parameterAsEnum(parameters, self.STOCK_KIND, context)]
        day = check_date(self.parameterAsString(parameters, self.DATE, context), self.tr("发现/登记日期"))
        actor = self.parameterAsString(parameters, self.ACTOR, context) or ""
        close_nv = self.parameterAsBoolean(parameters, self.CLOSE_NOT_VIOLATIONS, context)

        try:
            plan = FieldPlan(source.fields().names(), layer_name)
        except WorkflowError as exc:
            raise QgsProcessingException(str(exc)) from exc
        src_crs = source.sourceCrs()
        srid = None
        if src_crs.isValid() and not src_crs.isGeographic() and src_crs.postgisSrid() > 0:
            srid = src_crs.postgisSrid()
        reg = open_register(target, srid=srid)
        try:
            reg_crs = QgsCoordinateReferenceSystem(f"EPSG:{reg.srid}")
            transform = (QgsCoordinateTransform(src_crs, reg_crs, context.transformContext())
                         if src_crs.isValid() else None)
            total = source.featureCount() or 1
            records = []
            for i, f in enumerate(source.getFeatures()):
                if feedback.isCanceled():
                    raise QgsProcessingException(self.tr("已取消，台账未作任何修改"))
                label = f"{f.id()}"
                try:
                    rec = plan.record({n: f[n] for n in source.fields().names()}, label)
                except WorkflowError as exc:
                    raise QgsProcessingException(str(exc)) from exc
                rec["stock_kind"] = stock
                geom = f.geometry()
                if geom is None or geom.isEmpty():
                    feedback.reportError(self.tr("图层“{layer}”要素 {fid}（{pid}）没有图形，案件登记为无图形").format(
                        layer=layer_name, fid=label, pid=rec["patch_id"]), fatalError=False)
                else:
                    if transform is not None and src_crs != reg_crs:
                        geom.transform(transform)
                    if not geom.isGeosValid():
                        geom = geom.makeValid()
                    geom.convertToMultiType()
                    if QgsWkbTypes.geometryType(geom.wkbType()) != Qgis.GeometryType.Polygon:
                        raise QgsProcessingException(self.tr(
                            "图层“{layer}”要素 {fid}（{pid}）不是面图形").format(
                            layer=layer_name, fid=label, pid=rec["patch_id"]))
                    rec["geom"] = bytes(geom.asWkb())
                records.append(rec)
                feedback.setProgress(40.0 * (i + 1) / total)
            sub = ProgressSlice(FeedbackProgress(feedback), 40.0, 100.0)
            try:
                with register_errors():
                    result = reg.register_cases(records, source=origin, found_date=day, actor=actor,
                                                close_not_violations=close_nv, feedback=sub)
            except Canceled as exc:
                raise QgsProcessingException(str(exc)) from exc
            for message in result.messages[:50]:
                feedback.reportError(message, fatalError=False)
            if len(result.messages) > 50:
                feedback.reportError(self.tr("……另有 {n} 条编号提示，见台账 id_note 字段").format(
                    n=len(result.messages) - 50), fatalError=False)
            feedback.pushInfo(self.tr(
                "台账 {reg}：输入 {n} 个图斑，新登记 {a} 件（其中认定不属于违法并办结 {c} 件，编号冲突另行登记 {k} 件，"
                "无编号按图形登记 {e} 件），已在台账中（编号和图形相同）跳过 {s} 件").format(
                reg=reg.description, n=len(records), a=len(result.added), c=len(result.closed),
                k=len(result.conflicts), e=len(result.no_id), s=len(result.skipped)))
            uri, _provider = reg.layer_uri()
        finally:
            reg.close()
        return {"ADDED": len(result.added), "SKIPPED": len(result.skipped), "CLOSED": len(result.closed),
                "CONFLICTS": len(result.conflicts), "NO_ID": len(result.no_id),
                "REGISTER_LAYER": uri, self.REGISTER: target}
