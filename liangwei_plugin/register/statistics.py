"""Case statistics (案件统计) by township, source, stage and department, and a chart.

Figures bureaus report (DOMAIN.md): counts and areas, demolished area (m²), overdue cases, cases
closed within the 7-day disposal target, and 违法占耕比 = 耕地 occupied by new (增量) violation
cases ÷ 耕地 occupied by all new construction cases (violation or not) — the register keeps the
not-violation patches (closed at 认定) precisely so that this denominator is complete.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..feedback import Feedback, ensure_feedback
from .model import evaluate
from .storage import Register, month_range
from .workflow import WorkflowError, parse_date

DIMENSIONS = {"township": "乡镇", "source": "问题来源", "stage": "处置阶段", "department": "责任单位"}
FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# (key, Chinese label) of each statistic, in output order
METRICS: list[tuple[str, str]] = [
    ("cases", "案件数"), ("violations", "违法案件数"), ("area_m2", "违法占地面积(㎡)"), ("farmland_m2", "其中耕地(㎡)"),
    ("basic_farmland_m2", "其中永久基本农田(㎡)"), ("demolished_m2", "拆除面积(㎡)"), ("overdue", "超期案件数"),
    ("referral_due", "应移交纪委监委数"), ("closed", "办结数"), ("closed_7d", "7日内办结数"),
    ("new_farmland_m2", "新增建设占用耕地(㎡)"),
    ("illegal_farmland_m2", "违法占用耕地(㎡)"), ("illegal_farmland_ratio", "违法占耕比(%)"),
]


def period_filter(period: str | None) -> tuple[dt.date, dt.date] | None:
    """'' → None, 'yyyy' → the year, 'yyyy-mm' → the month."""
    if not period:
        return None
    p = str(period).strip()
    if len(p) == 4 and p.isdigit():
        return dt.date(int(p), 1, 1), dt.date(int(p) + 1, 1, 1)
    try:
        return month_range(p)
    except WorkflowError as exc:
        raise WorkflowError(f"统计期间“{period}”应为 yyyy 或 yyyy-mm") from exc


def _empty() -> dict:
    return {k: 0.0 if k.endswith("_m2") else 0 for k, _ in METRICS if k != "illegal_farmland_ratio"}


def case_statistics(register: Register, period: str | None = None, as_of=None,
                    feedback: Feedback | None = None) -> list[dict]:
    """One row per (dimension, group) plus a 全部 total: {"dimension", "group", metric keys…}."""
    ensure_feedback(feedback)
    today = parse_date(as_of) or dt.date.today()
    wf = register.workflow
    rng = period_filter(period)
    cases = register.find_cases()
    if rng:
        cases = [c for c in cases if c.get("found_date") and rng[0].isoformat() <= c["found_date"] < rng[1].isoformat()]
    groups: dict[tuple[str, str], dict] = {}
    order = [("全部", "合计")]
    groups[("全部", "合计")] = _empty()
    # every source and stage appears, with zeros when there is no case: the table and chart stay comparable
    for label, names in (("问题来源", wf.source_names()), ("处置阶段", wf.stage_names)):
        for name in names:
            groups[(label, name)] = _empty()
            order.append((label, name))
    for c in cases:
        st = evaluate(c, today, wf)
        violation = c.get("violation") != 0
        new = c.get("stock_kind") != "存量"
        farmland = float(c.get("farmland_m2") or 0.0)
        closed = c.get("closed_date")
        found = parse_date(c.get("found_date"))
        keys = [("全部", "合计")] + [(label, c.get(col) or "（未填）") for col, label in DIMENSIONS.items()]
        for key in keys:
            g = groups.get(key)
            if g is None:
                g = groups[key] = _empty()
                order.append(key)
            g["cases"] += 1
            if new:
                g["new_farmland_m2"] += farmland
            if not violation:
                continue
            g["violations"] += 1
            g["area_m2"] += float(c.get("area_m2") or 0.0)
            g["farmland_m2"] += farmland
            g["basic_farmland_m2"] += float(c.get("basic_farmland_m2") or 0.0)
            g["demolished_m2"] += float(c.get("demolished_m2") or 0.0)
            g["overdue"] += int(st.overdue)
            # as the ledger (ledger.referral_status): required by model.evaluate and not yet referred
            g["referral_due"] += int(st.referral_required and not c.get("referred_date"))
            if closed:
                g["closed"] += 1
                if found and parse_date(closed) <= wf.disposal_due(found):
                    g["closed_7d"] += 1
            if new:
                g["illegal_farmland_m2"] += farmland
    dim_order = ["全部"] + list(DIMENSIONS.values())
    out = []
    fixed = {"问题来源": wf.source_names(), "处置阶段": wf.stage_names}

    def sort_key(k):
        names = fixed.get(k[0], [])
        return (dim_order.index(k[0]), names.index(k[1]) if k[1] in names else len(names), k[1])

    for key in sorted(order, key=sort_key):
        g = groups[key]
        ratio = 100.0 * g["illegal_farmland_m2"] / g["new_farmland_m2"] if g["new_farmland_m2"] > 0 else None
        out.append({"dimension": key[0], "group": key[1], **g, "illegal_farmland_ratio": ratio})
    return out


def statistics_chart(rows: list[dict], output: str | Path, title: str = "两违案件统计") -> str:
    """A 2×2 chart (PNG): cases and overdue by township, areas by township, cases by source and by stage."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    prop = None
    if os.path.exists(FONT_PATH):
        font_manager.fontManager.addfont(FONT_PATH)
        prop = font_manager.FontProperties(fname=FONT_PATH)
        matplotlib.rcParams["font.family"] = prop.get_name()
    matplotlib.rcParams["axes.unicode_minus"] = False
    by = lambda dim: [r for r in rows if r["dimension"] == dim]  # noqa: E731
    total = next((r for r in rows if r["dimension"] == "全部"), None)
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), dpi=110)
    for ax in (axes[0][0], axes[1][1]):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1][0].xaxis.set_major_locator(MaxNLocator(integer=True))
    towns = by("乡镇")
    names = [r["group"] for r in towns]
    x = range(len(names))
    ax = axes[0][0]
    ax.bar([i - 0.2 for i in x], [r["violations"] for r in towns], width=0.4, label="违法案件数", color="#4472C4")
    ax.bar([i + 0.2 for i in x], [r["overdue"] for r in towns], width=0.4, label="超期案件数", color="#C00000")
    ax.set_xticks(list(x), names, rotation=30, ha="right")
    ax.set_title("各乡镇案件数与超期数")
    ax.legend()
    ax = axes[0][1]
    ax.bar([i - 0.27 for i in x], [r["area_m2"] for r in towns], width=0.27, label="违法占地", color="#7F7F7F")
    ax.bar(list(x), [r["farmland_m2"] for r in towns], width=0.27, label="其中耕地", color="#ED7D31")
    ax.bar([i + 0.27 for i in x], [r["demolished_m2"] for r in towns], width=0.27, label="已拆除", color="#70AD47")
    ax.set_xticks(list(x), names, rotation=30, ha="right")
    ax.set_ylabel("面积（㎡）")
    ax.set_title("各乡镇违法占地、耕地与拆除面积")
    ax.legend()
    ax = axes[1][0]
    src = by("问题来源")
    ax.barh([r["group"] for r in src][::-1], [r["cases"] for r in src][::-1], color="#5B9BD5")
    ax.set_title("按问题来源的案件数")
    ax = axes[1][1]
    stg = by("处置阶段")
    ax.bar([r["group"] for r in stg], [r["cases"] for r in stg], color="#A5A5A5")
    ax.set_title("按处置阶段的案件数")
    if total is not None:
        ratio = total["illegal_farmland_ratio"]
        sub = (f"违法案件 {total['violations']} 件，超期 {total['overdue']} 件，7日内办结 {total['closed_7d']} 件；"
               f"违法占耕比 {'—' if ratio is None else f'{ratio:.2f}%'}")
        fig.suptitle(f"{title}\n{sub}", fontsize=13)
    fig.tight_layout()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.partial.png")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.replace(tmp, output)
    return str(output)
