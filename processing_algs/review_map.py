"""liangwei:reviewmap (审查本图) — overlay → determination → registration → documents on the one map's
layers in one run, with one summary."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingOutputNumber, QgsProcessingOutputString, QgsVectorLayer

from .batch_review import BatchReviewAlgorithm
from .register_common import register_parameter


class ReviewMapAlgorithm(BatchReviewAlgorithm):
    ALG_ID = "reviewmap"
    GROUP_ID = "review"
    REQUIRES = ("core", "documents")
    REGISTER = "REGISTER"
    STEPS = 5

    def displayName(self) -> str:  # noqa: N802
        return self.tr("审查本图")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "对当前一张图一次完成审查：监测图斑叠加分析（liangwei:overlaycheck）→ 规划认定（liangwei:determine）→ "
            "登记案件（liangwei:registercases，设置了案件台账时）→ 规划认定意见书和责令限期整改通知书。"
            "从菜单打开时，图层按一张图的角色预先填好（监测图斑、三调地类图斑、全部保护区图层、影像时相），"
            "台账和文书配置取自“设置”，输出到工作文件夹；结果放入一张图的分组。运行结束给出一份摘要"
            "（图斑数和面积、各认定结论的图斑数、登记的案件数、文书份数），也写入输出文件夹的 审查摘要.txt。"
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        super().initAlgorithm(config)
        self.addParameter(register_parameter(optional=True))
        self.addOutput(QgsProcessingOutputString("SUMMARY", self.tr("审查摘要")))
        self.addOutput(QgsProcessingOutputNumber("CASES_ADDED", self.tr("新登记案件数")))

    def _after_determination(self, parameters, context, determination_out: str, run, steps) -> dict:
        register = self.parameterAsString(parameters, self.REGISTER, context).strip()
        if not register:
            steps.pushInfo(self.tr("{0}/{1} 登记案件：未指定案件台账，跳过").format(3, self.STEPS))
            return {"CASES_ADDED": None, "CASES_SKIPPED": 0, self.REGISTER: ""}
        steps.pushInfo(self.tr("{0}/{1} 登记案件").format(3, self.STEPS))
        result = run("liangwei:registercases", {"INPUT": determination_out, "REGISTER": register}, 2)
        return {"CASES_ADDED": result.get("ADDED", 0), "CASES_SKIPPED": result.get("SKIPPED", 0),
                self.REGISTER: register, "REGISTER_LAYER": result.get("REGISTER_LAYER", "")}

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..liangwei_plugin.review_summary import summarize

        results = super().processAlgorithm(parameters, context, feedback)
        layer = QgsVectorLayer(str(results["DETERMINATION"]), "determination", "ogr")
        rows = []
        if layer.isValid():
            names = layer.fields().names()
            for f in layer.getFeatures():
                rows.append((str(f["determination_code"] or ""), float(f["area_m2"] or 0),
                             float(f["farmland_m2"] or 0) if "farmland_m2" in names else 0.0))
        summary = summarize(rows, cases_added=results.get("CASES_ADDED"),
                            cases_skipped=results.get("CASES_SKIPPED", 0),
                            reports=int(results.get("REPORT_COUNT") or 0),
                            notices=int(results.get("NOTICE_COUNT") or 0),
                            folder=str(results[self.OUTPUT_FOLDER]), register=results.get(self.REGISTER, ""))
        text = summary.text()
        Path(results[self.OUTPUT_FOLDER], "审查摘要.txt").write_text(text + "\n", encoding="utf-8")
        for line in summary.lines():
            feedback.pushInfo(line)
        results.pop("CASES_SKIPPED", None)
        results["SUMMARY"] = text
        return results
