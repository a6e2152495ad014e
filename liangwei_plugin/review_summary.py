"""The one summary of 审查本图 (review this map): what the chained run found and wrote (GUI-free)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .i18n import tr
from .onemap.navigator import DETERMINATION_LABELS, MU_PER_M2


@dataclass
class ReviewSummary:
    patches: int = 0
    area_m2: float = 0.0
    farmland_m2: float = 0.0
    by_determination: Counter = field(default_factory=Counter)   # determination_code -> patches
    cases_added: int | None = None       # None: not registered (no register set)
    cases_skipped: int = 0
    reports: int = 0
    notices: int = 0
    folder: str = ""
    register: str = ""

    def add_patch(self, code: str, area_m2: float, farmland_m2: float) -> None:
        self.patches += 1
        self.area_m2 += area_m2 or 0.0
        self.farmland_m2 += farmland_m2 or 0.0
        self.by_determination[code or ""] += 1

    def lines(self) -> list[str]:
        """The summary, one line per fact (numbers with thousands separators, two decimals); Chinese, or
        the QGIS interface language where a translation exists."""
        out = [tr("监测图斑 {n} 个，面积 {area} 平方米（{area_mu} 亩），其中耕地 {farm} 平方米（{farm_mu} 亩）").format(
            n=self.patches, area=f"{self.area_m2:,.2f}", area_mu=f"{self.area_m2 * MU_PER_M2:,.2f}",
            farm=f"{self.farmland_m2:,.2f}", farm_mu=f"{self.farmland_m2 * MU_PER_M2:,.2f}")]
        for code, label in DETERMINATION_LABELS.items():
            out.append(tr("{label}：{n} 个").format(label=tr(label), n=self.by_determination.get(code, 0)))
        if self.cases_added is None:
            out.append(tr("未登记案件（设置中没有案件台账）"))
        else:
            out.append(tr("案件台账新登记 {added} 件，已在台账中 {skipped} 件").format(
                added=self.cases_added, skipped=self.cases_skipped) + (f"（{self.register}）" if self.register else ""))
        out.append(tr("规划认定意见书 {reports} 份，责令限期整改通知书 {notices} 份").format(
            reports=self.reports, notices=self.notices))
        if self.folder:
            out.append(tr("输出文件夹：") + self.folder)
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def summarize(rows: Iterable[tuple[str, float, float]], **counts) -> ReviewSummary:
    """A summary from (determination_code, area_m2, farmland_m2) per patch and the run's counts."""
    summary = ReviewSummary(**counts)
    for code, area, farmland in rows:
        summary.add_patch(code, area, farmland)
    return summary
