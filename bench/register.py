"""Benchmark: the case register (台账) with 100 000 cases.

    source scripts/env.sh && .venv/bin/python bench/register.py [--n 100000] [--postgis] [--json out.json]

Times, on a fresh GeoPackage (and with ``--postgis`` on a throw-away PostgreSQL/PostGIS cluster on
loopback, like the tests): registering N cases in one call (one transaction; a case row + a history
row each), re-registering the same patches (adds nothing), batch advancing most of them through the
workflow, the filtered query of overdue cases (count, rows, and through a QGIS layer with a subset
string), and exporting the ledger (one month as XLSX, everything as XLSX and CSV).  Cases are spread
over 2026 (found dates), 20 % are not violations (closed at 认定); the "as of" date is 2026-12-31.
The overdue query is the one the dock and the ledger use (``is_open = 1 AND stage_due < ?``, index
``ix_cases_open_due``); its median of several runs is what the README quotes (target < 200 ms).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build" / "plugins"))
sys.path.insert(0, str(ROOT / "tests"))

AS_OF = dt.date(2026, 12, 31)
TOWNS = [("城关镇", ["南门社区", "东山村", "西溪村", "后埔村"]), ("溪口镇", ["溪口社区", "大坪村", "竹林村"]),
         ("龙岭镇", ["龙岭社区", "岭头村", "黄坑村"]), ("岩前乡", ["岩前村", "墩头村", "石壁村"])]
SOURCES = ["卫片"] * 6 + ["网格巡查"] * 2 + ["12345热线", "信访举报", "媒体反映"]


def make_records(n: int, seed: int = 2026) -> list[dict]:
    import shapely
    from shapely.geometry import box

    rng = random.Random(seed)
    out = []
    for i in range(n):
        town, villages = TOWNS[i % len(TOWNS)]
        x = 39_480_000 + rng.uniform(0, 40_000)
        y = 2_780_000 + rng.uniform(0, 40_000)
        w, h = rng.uniform(8, 60), rng.uniform(8, 60)
        area = w * h
        violation = rng.random() >= 0.2
        farm = area * rng.choice([0.0, 0.0, 0.3, 1.0])
        out.append({
            "patch_id": f"JC2026{i:07d}", "found_date": dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365)),
            "source": rng.choice(SOURCES), "township": town, "village": rng.choice(villages),
            "township_code": f"35062710{TOWNS.index((town, villages))}000", "party": f"当事人{i}",
            "violation": 1 if violation else 0,
            "determination_code": "uncorrectable" if violation else "not_violation",
            "determination": "无法采取改正措施消除对规划实施的影响" if violation else "不属于违法用地违法建设",
            "consequence": "限期拆除并恢复原状" if violation else "", "department": "自然资源和规划局",
            "area_m2": area, "farmland_m2": farm, "basic_farmland_m2": farm * 0.5 if rng.random() < 0.2 else 0.0,
            "geom": shapely.to_wkb(box(x, y, x + w, y + h)),
        })
    return out


def timed(label: str, results: dict, fn, *args, **kwargs):
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    results[label] = round(time.perf_counter() - t0, 3)
    print(f"  {label:<48} {results[label]:>9.3f} s", flush=True)
    return value


def median_ms(fn, runs: int = 7) -> tuple[float, object]:
    times, value = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return round(statistics.median(times), 1), value


def run_backend(name: str, target: str, n: int, records: list[dict], workdir: Path) -> dict:
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.ledger import export_ledger

    print(f"\n[{name}] {target}")
    res: dict = {"backend": name, "cases": n}
    # the timings are of the register, not of the 外业核查 rule (workflow.toml [verification]): relaxed here
    import dataclasses

    from liangwei.liangwei_plugin.register.workflow import default_workflow

    reg = Register(target, workflow=dataclasses.replace(default_workflow(), verification={}))
    r = timed(f"register {n} cases (one transaction)", res, reg.register_cases, records, actor="bench")
    res["registered"], res["closed_at_registration"] = len(r.added), len(r.closed)
    r = timed("re-register the same patches (adds nothing)", res, reg.register_cases, records, actor="bench")
    assert not r.added
    # drive most violation cases on: found before 12-01 → 拆除整治; before 11-15 → 监督检查 → 办结
    open_cases = reg.find_cases(stage="快速认定")
    early = [c["fid"] for c in open_cases if c["found_date"] < "2026-12-01"]
    earlier = {c["fid"] for c in open_cases if c["found_date"] < "2026-11-15"}
    r = timed(f"advance {len(early)} cases → 拆除整治 (one batch)", res, reg.advance_many, early, "拆除整治",
              "2026-12-01", "bench", "批量")
    later = [f for f in early if f in earlier]
    timed(f"advance {len(later)} cases → 监督检查 (one batch)", res, reg.advance_many, later, "监督检查",
          "2026-12-02", "bench", "已拆除", {"disposal_kind": "拆除"})
    timed(f"advance {len(later)} cases → 办结 (one batch)", res, reg.advance_many, later, "办结",
          "2026-12-03", "bench", "核查到位")
    res["history_rows"] = _count(reg, "case_history")

    ms, count = median_ms(lambda: reg.count_overdue(AS_OF))
    res["overdue_count_ms"], res["overdue_cases"] = ms, count
    print(f"  {'overdue query: count (median of 7)':<48} {ms:>9.1f} ms  ({count} cases)")
    from liangwei.liangwei_plugin.register.model import LIST_COLUMNS

    ms, rows = median_ms(lambda: reg.find_cases(overdue_on=AS_OF, columns=LIST_COLUMNS))
    res["overdue_rows_ms"] = ms
    assert len(rows) == count
    print(f"  {'overdue query: listing rows (median of 7)':<48} {ms:>9.1f} ms  ({len(rows)} rows)")
    ms, rows = median_ms(lambda: reg.find_cases(overdue_on=AS_OF))
    res["overdue_full_rows_ms"] = ms
    print(f"  {'overdue query: full rows, all 48 columns':<48} {ms:>9.1f} ms  ({len(rows)} rows)")
    ms, rows = median_ms(lambda: reg.find_cases(overdue_on=AS_OF, township="溪口镇"))
    res["overdue_township_rows_ms"] = ms
    print(f"  {'overdue in one township: rows (median of 7)':<48} {ms:>9.1f} ms  ({len(rows)} rows)")
    if name == "gpkg":
        cur = reg.conn.cursor()
        cur.execute("EXPLAIN QUERY PLAN SELECT * FROM cases WHERE is_open = 1 AND stage_due < ?", (AS_OF.isoformat(),))
        res["query_plan"] = " | ".join(str(r[-1]) for r in cur.fetchall())
        print(f"  plan: {res['query_plan']}")
    res["qgis_layer_overdue_ms"] = _qgis_layer_query(reg)
    if res["qgis_layer_overdue_ms"] is not None:
        print(f"  {'overdue via QGIS layer subset string (median)':<48} {res['qgis_layer_overdue_ms']:>9.1f} ms")

    out = timed("ledger 2026-11 → XLSX", res, export_ledger, reg, workdir / f"{name}_2026-11.xlsx", "2026-11", AS_OF)
    res["ledger_month_rows"] = out["rows"]
    out = timed("ledger all → XLSX", res, export_ledger, reg, workdir / f"{name}_all.xlsx", None, AS_OF)
    res["ledger_all_rows"] = out["rows"]
    timed("ledger all → CSV", res, export_ledger, reg, workdir / f"{name}_all.csv", None, AS_OF)
    from liangwei.liangwei_plugin.register.statistics import case_statistics

    timed("statistics (4 dimensions)", res, case_statistics, reg, "2026", AS_OF)
    if name == "gpkg":
        res["file_mb"] = round(Path(target).stat().st_size / 1e6, 1)
    reg.close()
    return res


def _count(reg, table: str) -> int:
    cur = reg.conn.cursor()
    cur.execute(f"SELECT COUNT(*) FROM {table}")
    return int(cur.fetchone()[0])


def _qgis_layer_query(reg) -> float | None:
    try:
        from qgis.core import QgsApplication, QgsFeatureRequest, QgsVectorLayer
    except ImportError:
        return None
    if QgsApplication.instance() is None:
        app = QgsApplication([], False)
        app.initQgis()
        _qgis_layer_query.app = app   # keep it alive
    uri, provider = reg.layer_uri()
    layer = QgsVectorLayer(uri, "cases", provider)
    layer.setSubsetString(f"\"is_open\" = 1 AND \"stage_due\" < '{AS_OF.isoformat()}'")

    def fetch():
        req = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
        return sum(1 for _ in layer.getFeatures(req))

    ms, _n = median_ms(fetch, runs=5)
    return ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--postgis", action="store_true", help="also run on a temporary PostgreSQL/PostGIS cluster")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args()
    t0 = time.perf_counter()
    records = make_records(args.n)
    print(f"generated {args.n} records in {time.perf_counter() - t0:.1f} s")
    results = []
    with tempfile.TemporaryDirectory(prefix="liangwei-bench-") as tmp:
        work = Path(tmp)
        results.append(run_backend("gpkg", str(work / "bench.gpkg"), args.n, records, work))
        if args.postgis:
            from pg_cluster import PgCluster

            pg = PgCluster().start()
            try:
                results.append(run_backend("postgis", pg.uri("bench"), args.n, records, work))
            finally:
                pg.stop()
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    gp = results[0]
    ok = gp["overdue_rows_ms"] < 200.0
    print(f"\noverdue rows on GeoPackage: {gp['overdue_rows_ms']} ms (target < 200 ms): {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
