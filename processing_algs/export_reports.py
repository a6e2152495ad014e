"""liangwei:exportreports (输出规划认定意见书) — one planning-opinion report PDF per patch."""
from __future__ import annotations

from .documents_common import ExportDocumentsAlgorithm


class ExportReportsAlgorithm(ExportDocumentsAlgorithm):
    ALG_ID = "exportreports"
    KIND = "report"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("输出规划认定意见书（PDF）")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "为规划认定结果中的每个图斑输出一份规划认定意见书（PDF）：图斑编号与坐落、中心点坐标、前后时相影像对比图"
            "（红线为图斑范围）、位置示意图（规划分区与保护区）、叠加分析面积表（平方米和亩）、认定意见、适用规则与法律依据、"
            "责任部门、落款和盖章位置。另输出合并 PDF 和索引表 index.csv（patch_id, document, number, file, pages）。"
            "文书措辞、机关名称、编号格式在 resources/documents.toml 中配置。再次运行时已完成的文书保留（续跑）。"
        )
