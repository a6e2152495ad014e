"""Overlay benchmark: the liangwei engine vs geopandas.overlay + group-by vs QGIS native:intersection.

    source scripts/env.sh
    .venv/bin/python bench/overlay.py                 # small and large (about 3 minutes)
    .venv/bin/python bench/overlay.py --size small    # quick run

Counties (bench/synthetic_county.py, written once into bench/data/, git-ignored):
  small  5,000 patches x 160,000 land-use parcels (+ 生态保护红线, 永久基本农田)
  large  100,000 patches x 1,000,000 land-use parcels

Each tool runs in its own subprocess on the same files and computes the same result: per patch, the
ellipsoidal (CGCS2000) area of every land-use class it overlaps and of each protected layer.  Timed from
opening the files to the aggregated result (interpreter and library start-up excluded); peak memory is the
subprocess's ru_maxrss.  geopandas gets the engine's vectorised ellipsoidal area function (otherwise a
per-geometry Geod loop would dominate its time); QGIS measures with QgsDistanceArea (ellipsoid EPSG:7019)
and checks geometries as it does by default (the engine validates every geometry it uses too).
QGIS runs longer than --qgis-cap minutes are stopped and extrapolated from the progress reached (labelled).
Results: bench/results/overlay_<size>.json and a Markdown table in bench/results/overlay.md.
Run it under ``flock /tmp/liangwei-bench.lock`` so that no other benchmark shares the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
PROTECTED = ("生态保护红线", "永久基本农田")
TOOLS = ("engine", "geopandas", "qgis")


def _plugin_path():
    plugins = ROOT / "build" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "liangwei").exists():
        (plugins / "liangwei").symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(plugins))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ------------------------------------------------------------------------------------------ workers
def work_engine(county: Path, patches: Path) -> dict:
    """As liangwei:overlaycheck does it: the engine reads the reference layers itself on a background
    thread — only the features near the patches, through the GeoPackage R-tree; the land-use layer in parts,
    one per group of neighbouring patches — and overlays each part while the next one is read."""
    from liangwei.liangwei_plugin import overlay as ov
    from liangwei.liangwei_plugin.vector_io import read_vector

    def reader(layer, columns):
        return lambda near, crs: read_vector(county, layer, columns=columns, keep_near=near, keep_near_crs=crs)

    t0 = time.perf_counter()
    p = read_vector(patches, "卫片图斑")
    read_patches = time.perf_counter() - t0
    landuse = ov.ReferenceLayer("三调地类图斑", kind=ov.LANDUSE, class_field="DLBM", zldwdm_field="ZLDWDM",
                                zldwmc_field="ZLDWMC", prefiltered=True,
                                reader=reader("三调地类图斑", ["DLBM", "ZLDWDM", "ZLDWMC"]))
    prot = [ov.ReferenceLayer(name, name_field="MC", prefiltered=True, reader=reader(name, ["MC"]))
            for name in PROTECTED]
    res = ov.overlay_patches(p, landuse, prot, id_field="JCBH")
    elapsed = time.perf_counter() - t0
    d = res.detail
    lu_rows = d[d["layer"] == "三调地类图斑"]
    out = {(a, b): c for a, b, c in zip(lu_rows["patch_id"], lu_rows["class_code"], lu_rows["area_m2"])}
    for name in PROTECTED:
        col = res.summary[res.protected_fields[name]].to_numpy()
        for pid, a in zip(res.summary["patch_id"], col):
            if a > 0:
                out[(pid, name)] = a
    return {"seconds": elapsed, "read_seconds": read_patches, "phases": res.timings, "pairs": len(d),
            "result": out}


def work_geopandas(county: Path, patches: Path) -> dict:
    import geopandas as gpd

    from liangwei.liangwei_plugin.areas import ellipsoidal_areas

    t0 = time.perf_counter()
    p = gpd.read_file(patches, layer="卫片图斑", engine="pyogrio")[["JCBH", "geometry"]]
    lu = gpd.read_file(county, layer="三调地类图斑", engine="pyogrio", columns=["DLBM"])
    t_read = time.perf_counter() - t0
    out = {}
    x = gpd.overlay(p, lu, how="intersection", keep_geom_type=True)
    x["a"] = ellipsoidal_areas(x.geometry.values, x.crs)
    g = x.groupby(["JCBH", "DLBM"])["a"].sum()
    out.update({k: v for k, v in g.items() if v >= 1e-6})
    pairs = len(x)
    del x, lu
    for name in PROTECTED:
        layer = gpd.read_file(county, layer=name, engine="pyogrio", columns=["MC"])
        x = gpd.overlay(p, layer, how="intersection", keep_geom_type=True)
        x["a"] = ellipsoidal_areas(x.geometry.values, x.crs)
        for pid, a in x.groupby("JCBH")["a"].sum().items():
            if a >= 1e-6:
                out[(pid, name)] = a
        pairs += len(x)
    return {"seconds": time.perf_counter() - t0, "read_seconds": t_read, "pairs": pairs, "result": out}


def work_qgis(county: Path, patches: Path, progress_file: Path) -> dict:
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing
    from qgis.core import (
        QgsDistanceArea,
        QgsFeatureRequest,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProject,
    )

    Processing.initialize()
    jobs = [("三调地类图斑", "DLBM")] + [(name, None) for name in PROTECTED]
    t0 = time.perf_counter()
    out = {}
    pairs = 0
    with open(progress_file, "w") as log:
        for k, (name, field) in enumerate(jobs):
            feedback = QgsProcessingFeedback()
            feedback.progressChanged.connect(
                lambda pct, k=k: (log.write(f"{time.perf_counter() - t0:.1f} {k} {pct:.2f}\n"), log.flush()))
            context = QgsProcessingContext()
            context.setProject(QgsProject.instance())
            # QGIS's default invalid-geometry handling (check every feature, stop on an invalid one), as a
            # user runs it: the engine validates every geometry too
            context.setInvalidGeometryCheck(QgsFeatureRequest.GeometryAbortOnInvalid)
            inter = processing.run("native:intersection", {
                "INPUT": f"{patches}|layername=卫片图斑", "OVERLAY": f"{county}|layername={name}",
                "INPUT_FIELDS": ["JCBH"], "OVERLAY_FIELDS": [field] if field else [], "OUTPUT": "memory:"},
                context=context, feedback=feedback)["OUTPUT"]
            da = QgsDistanceArea()
            da.setSourceCrs(inter.crs(), QgsProject.instance().transformContext())
            da.setEllipsoid("EPSG:7019")
            for f in inter.getFeatures():
                key = (f["JCBH"], f[field] if field else name)
                out[key] = out.get(key, 0.0) + da.measureArea(f.geometry())
                pairs += 1
            log.write(f"{time.perf_counter() - t0:.1f} {k} done\n")
            log.flush()
    out = {k: v for k, v in out.items() if v >= 1e-6}
    return {"seconds": time.perf_counter() - t0, "read_seconds": None, "pairs": pairs, "result": out}


def worker_main(tool: str, size: str, result_file: Path) -> None:
    _plugin_path()
    county, patches = DATA / f"county_{size}.gpkg", DATA / f"patches_{size}.gpkg"
    if tool == "engine":
        r = work_engine(county, patches)
    elif tool == "geopandas":
        r = work_geopandas(county, patches)
    else:
        r = work_qgis(county, patches, result_file.with_suffix(".progress"))
    r["peak_mb"] = _peak_mb()
    with open(result_file, "wb") as f:
        pickle.dump(r, f)


# ------------------------------------------------------------------------------------------ driver
def _extrapolate(progress_file: Path, cap_s: float, n_jobs: int) -> float | None:
    """Total time estimated from the QGIS progress log when the run was stopped at the cap.

    Progress is per job (land use, then each protected layer); finished jobs count their real time, the
    running job is extrapolated linearly from its percentage, later jobs are assumed no faster than the
    protected layers already done (or ignored if none finished: a lower bound)."""
    if not progress_file.exists():
        return None
    done, last = {}, {}
    for line in progress_file.read_text().split("\n"):
        parts = line.split()
        if len(parts) != 3:
            continue
        t, k = float(parts[0]), int(parts[1])
        if parts[2] == "done":
            done[k] = t
        else:
            last[k] = (t, float(parts[2]))
    start = 0.0
    total = 0.0
    for k in range(n_jobs):
        if k in done:
            total += done[k] - start
            start = done[k]
        elif k in last and last[k][1] > 0:
            t, pct = last[k]
            total += (t - start) * 100.0 / pct
            break
        else:
            break
    return total or None


def run_tool(tool: str, size: str, cap_minutes: float) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result_file = RESULTS / f"overlay_{size}_{tool}.pkl"
    result_file.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--size", size,
           "--result-file", str(result_file)]
    timeout = cap_minutes * 60 if tool == "qgis" else None
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, timeout=timeout, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        est = _extrapolate(result_file.with_suffix(".progress"), timeout, 1 + len(PROTECTED))
        return {"tool": tool, "seconds": est, "capped": True, "wall": time.perf_counter() - started,
                "peak_mb": None, "result": None}
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    with open(result_file, "rb") as f:
        r = pickle.load(f)
    r.update(tool=tool, capped=False)
    return r


def compare(a: dict, b: dict) -> tuple[int, float]:
    keys = set(a) | set(b)
    worst = max((abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in keys), default=0.0)
    return len(keys), worst


def _fmt_s(r) -> str:
    if not r or not r.get("seconds"):
        return "n/a"
    return f"{r['seconds']:.1f} s" + (" (extrapolated)" if r.get("capped") else "")


def markdown_table(summaries: list[dict]) -> str:
    """The README table: seconds, ratios and peak memory per size."""
    lines = ["| county | engine | geopandas.overlay + group-by | QGIS native:intersection + aggregation "
             "| engine vs geopandas | engine vs QGIS | peak memory (engine / geopandas / QGIS) |",
             "|---|---|---|---|---|---|---|"]
    for s in summaries:
        t = s["tools"]
        eng, gp, qg = t.get("engine"), t.get("geopandas"), t.get("qgis")
        ratio = lambda r: f"{r['ratio_vs_engine']:.1f}×" if r and r.get("ratio_vs_engine") else "n/a"  # noqa: E731
        mem = " / ".join(f"{r['peak_mb']:.0f} MB" if r and r.get("peak_mb") else "n/a" for r in (eng, gp, qg))
        lines.append(f"| {s['size']}: {s['patches']:,} patches × {s['parcels']:,} parcels | {_fmt_s(eng)} | "
                     f"{_fmt_s(gp)} | {_fmt_s(qg)} | {ratio(gp)} | {ratio(qg)} | {mem} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,large", help="comma-separated: small, large")
    ap.add_argument("--size", help="one size (same as --sizes SIZE)")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--qgis-cap", type=float, default=40.0, help="minutes before QGIS is stopped and extrapolated")
    ap.add_argument("--worker")
    ap.add_argument("--result-file")
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker, args.size, Path(args.result_file))
        return
    sizes = args.size or args.sizes

    sys.path.insert(0, str(HERE))
    from synthetic_county import SIZES, generate

    started = time.strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()[0]
    print(f"overlay benchmark, {started}, {os.cpu_count()} CPUs, load average {load:.2f}", flush=True)
    summaries = []
    for size in sizes.split(","):
        n_patch, side, _ = SIZES[size]
        t = time.perf_counter()
        generate(DATA, size)
        print(f"\n== {size}: {n_patch:,} patches x {side * side:,} parcels (data ready in "
              f"{time.perf_counter() - t:.0f} s)", flush=True)
        runs = {}
        for tool in args.tools.split(","):
            r = run_tool(tool, size, args.qgis_cap)
            runs[tool] = r
            label = " (stopped at cap, extrapolated)" if r["capped"] else ""
            mem = f"{r['peak_mb']:.0f} MB" if r.get("peak_mb") else "n/a"
            secs = f"{r['seconds']:.1f} s" if r["seconds"] else "n/a"
            print(f"  {tool:10s} {secs:>10s}{label}  peak memory {mem}", flush=True)
            if tool == "engine" and r.get("phases"):
                for phase, sec in r["phases"].items():
                    if sec >= 0.05:
                        print(f"      {phase:40s} {sec:6.2f} s")
        summary = {"size": size, "patches": n_patch, "parcels": side * side, "cpus": os.cpu_count(),
                   "load_average_at_start": load, "started": started, "tools": {}}
        eng = runs.get("engine")
        for tool, r in runs.items():
            entry = {k: r.get(k) for k in ("seconds", "read_seconds", "peak_mb", "pairs", "capped", "phases")}
            if eng and r is not eng and r.get("seconds"):
                entry["ratio_vs_engine"] = r["seconds"] / eng["seconds"]
                print(f"  engine is {entry['ratio_vs_engine']:.1f}x faster than {tool}")
            if eng and r is not eng and r.get("result") is not None:
                n, worst = compare(eng["result"], r["result"])
                entry["compared_keys"], entry["max_abs_diff_m2"] = n, worst
                print(f"  engine vs {tool}: {n:,} patch x class areas, max |difference| {worst:.2e} m2")
            summary["tools"][tool] = entry
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"overlay_{size}.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        summaries.append(summary)
    table = markdown_table(summaries)
    print("\n" + table)
    cmd = "flock /tmp/liangwei-bench.lock .venv/bin/python bench/overlay.py" + (
        f" --sizes {sizes}" if sizes != "small,large" else "")
    (RESULTS / "overlay.md").write_text(
        f"Overlay benchmark, {started}, {os.cpu_count()} CPUs (load average {load:.2f} at start)\n\n"
        f"    {cmd}\n\n{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
