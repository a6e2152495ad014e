"""违法占耕比 (share of illegally occupied 耕地) by township, the headline statistic.

违法占耕比 = 违法占用耕地面积 ÷ 新增建设占用耕地面积 × 100 %.  A batch of monitoring patches is the
year's new construction: the denominator is the 耕地 (farmland_m2) of all patches, the numerator the
耕地 of the patches determined as violations (violation = 1).  At or above the threshold (15 %,
``[farmland_ratio] threshold_pct`` of the rule table) the county government's leaders face sanctions,
so the flag is raised when ratio >= threshold.

Townships come either from the patches' own code/name fields or from a boundary layer; with a
boundary layer each patch goes to the township holding the largest part of it (planar area in the
patches' CRS, only used to choose), so a patch straddling a boundary is counted once, never twice.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .feedback import Feedback, check_canceled, ensure_feedback
from .i18n import tr

MU_PER_M2 = 15 / 10000
# Floating point: 150 / 1000 * 100 is 15.000000000000002 and 0.15 * 100 may fall just short: compare
# with a tolerance far below the 0.01 % the ratio is reported to.
RATIO_EPS = 1e-9

OUTPUT_FIELDS = (
    "township_code",
    "township_name",
    "patches",
    "violations",
    "farmland_new_m2",
    "farmland_new_mu",
    "farmland_illegal_m2",
    "farmland_illegal_mu",
    "ratio_pct",
    "over_threshold",
)
TOTAL_NAME = "全县合计"
UNASSIGNED_NAME = "未落入乡镇"


@dataclass(frozen=True)
class Township:
    code: str
    name: str


def assign_largest_part(patches, townships, feedback: Feedback | None = None) -> np.ndarray:
    """Index into ``townships`` of the polygon holding the largest part of each patch, -1 if none.

    Both are sequences/arrays of shapely geometries in the same projected CRS.  Invalid geometries
    are repaired with ``make_valid`` (keeps every part) just for this choice.
    """
    import shapely

    feedback = ensure_feedback(feedback)
    p = shapely.make_valid(np.asarray(patches, dtype=object))
    t = shapely.make_valid(np.asarray(townships, dtype=object))
    result = np.full(len(p), -1, dtype=int)
    if len(p) == 0 or len(t) == 0:
        return result
    tree = shapely.STRtree(t)
    pi, ti = tree.query(p, predicate="intersects")
    if len(pi) == 0:
        return result
    check_canceled(feedback)
    # Pairs where the patch lies inside one township need no intersection.
    inside = shapely.contains_properly(t[ti], p[pi])
    areas = np.where(inside, shapely.area(p[pi]), 0.0)
    todo = ~inside
    if todo.any():
        areas[todo] = shapely.area(shapely.intersection(p[pi[todo]], t[ti[todo]]))
    order = np.lexsort((-areas, pi))  # by patch, largest area first
    first = np.ones(len(order), dtype=bool)
    first[1:] = pi[order][1:] != pi[order][:-1]
    best = order[first]
    keep = areas[best] > 0
    result[pi[best][keep]] = ti[best][keep]
    return result


def farmland_ratio_table(
    codes: Sequence,
    names: Sequence,
    violation: Sequence,
    farmland_m2: Sequence,
    threshold_pct: float = 15.0,
    townships: Sequence[Township] = (),
) -> pd.DataFrame:
    """One row per township plus a final county total row (``township_name`` = 全县合计).

    ``codes``/``names``/``violation``/``farmland_m2`` are per patch; an empty code and name means the
    patch could not be placed in a township (its own row, 未落入乡镇).  ``townships`` lists townships
    to report even when they have no patch (e.g. every polygon of a boundary layer).
    """
    df = pd.DataFrame({
        "code": ["" if c is None else str(c).strip() for c in codes],
        "name": ["" if n is None else str(n).strip() for n in names],
        "violation": pd.to_numeric(pd.Series(list(violation), dtype=object), errors="coerce")
        .fillna(0).astype(int).to_numpy(),
        "farmland": pd.to_numeric(pd.Series(list(farmland_m2), dtype=object), errors="coerce")
        .fillna(0.0).to_numpy(dtype=float),
    })
    df["illegal"] = np.where(df["violation"] == 1, df["farmland"], 0.0)
    # A township is its code, or its name where the code is empty.
    df["key"] = np.where(df["code"] != "", df["code"], "name:" + df["name"])
    names_by_key: dict[str, tuple[str, str]] = {}
    for t in townships:
        key = str(t.code) if str(t.code) else "name:" + str(t.name)
        names_by_key.setdefault(key, (str(t.code), str(t.name)))
    for key, code, name in zip(df["key"], df["code"], df["name"]):
        if key not in names_by_key or (not names_by_key[key][1] and name):
            names_by_key[key] = (code, name)

    grouped = df.groupby("key", sort=False).agg(
        patches=("violation", "size"), violations=("violation", "sum"),
        farmland_new_m2=("farmland", "sum"), farmland_illegal_m2=("illegal", "sum"))
    rows = []
    for key, (code, name) in names_by_key.items():
        if key in grouped.index:
            g = grouped.loc[key]
            values = (int(g["patches"]), int(g["violations"]), float(g["farmland_new_m2"]),
                      float(g["farmland_illegal_m2"]))
        else:
            values = (0, 0, 0.0, 0.0)
        if key == "name:":
            name = tr(UNASSIGNED_NAME)
        rows.append((code, name) + values)
    unassigned = [r for r in rows if r[0] == "" and r[1] == tr(UNASSIGNED_NAME)]
    rows = sorted((r for r in rows if r not in unassigned), key=lambda r: (r[0] == "", r[0], r[1])) + unassigned
    county = _county_code([r[0] for r in rows if r[0]])
    rows.append((county, tr(TOTAL_NAME), int(len(df)), int(df["violation"].eq(1).sum()),
                 float(df["farmland"].sum()), float(df["illegal"].sum())))

    out = pd.DataFrame(rows, columns=["township_code", "township_name", "patches", "violations",
                                      "farmland_new_m2", "farmland_illegal_m2"])
    out["farmland_new_mu"] = out["farmland_new_m2"] * MU_PER_M2
    out["farmland_illegal_mu"] = out["farmland_illegal_m2"] * MU_PER_M2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(out["farmland_new_m2"] > 0,
                         out["farmland_illegal_m2"] / out["farmland_new_m2"] * 100.0, np.nan)
    out["ratio_pct"] = ratio
    out["over_threshold"] = np.where(np.isnan(ratio), 0, (ratio >= threshold_pct - RATIO_EPS).astype(int))
    return out[list(OUTPUT_FIELDS)]


def _county_code(codes: list[str]) -> str:
    """The 6-digit county code shared by all township codes (9 digits: county + township), if any."""
    heads = {c[:6] for c in codes if len(c) >= 9 and c[:6].isdigit()}
    return heads.pop() if len(heads) == 1 and all(len(c) >= 9 for c in codes) else ""
