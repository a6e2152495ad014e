"""liangwei:exportnotices (输出责令限期整改通知书) — one rectification notice PDF per violation."""
from __future__ import annotations

from .documents_common import ExportDocumentsAlgorithm


class ExportNoticesAlgorithm(ExportDocumentsAlgorithm):
    ALG_ID = "exportnotices"
    KIND = "notice"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("输出责令限期整改通知书（PDF）")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "为每个违法图斑（violation = 1）输出一份责令限期整改通知书（PDF，含存根页）：文书编号（按配置的序列编号，"
            "永不重号，续跑时同一图斑保持原编号）、当事人、违法事实、违反的规定、整改要求和期限（按认定结果计算）、"
            "接受处理的地点和时间、行政复议（60日）和行政诉讼（6个月）权利；限期拆除的附听证告知（5日内提出）。"
            "另输出合并 PDF 和索引表 index.csv。"
            "只为本机关有权处理（认定结果 competent_key 与文书配置 [authority] department 相同）"
            "且当事人已知的图斑出具通知书：其他部门职责的图斑出具移送函（referrals/ 子文件夹），当事人未查明的图斑列入"
            "待查明清单.csv，不编号。"
        )
