"""Overlay benchmark: the whole liangwei:overlaycheck job through qgis_process vs the same job done the
geopandas way, beside the engine in-process and QGIS's own native:intersection.

    source scripts/env.sh
    flock /tmp/liangwei-bench.lock .venv/bin/python bench/overlay.py                # small and large
    flock /tmp/liangwei-bench.lock .venv/bin/python bench/overlay.py --sizes small  # quick run
    .venv/bin/python bench/overlay.py --sizes large --tools qgis_process,geopandas  # the whole-job pair only
    .venv/bin/python bench/overlay.py --sizes large --tools profile                 # where qgis_process's time goes
    ... --repeat 3          # each tool (but qgis, profile) three times, the fastest reported (a busy machine)

Counties (bench/synthetic_county.py, written once into bench/data/, git-ignored):
  small  5,000 patches x 160,000 land-use parcels (+ 生态保护红线, 永久基本农田)
  large  100,000 patches x 1,000,000 land-use parcels

Tools (each in its own process, on the same files, computing per patch the ellipsoidal (CGCS2000) area of
every land-use class it overlaps and of each protected layer):

  qgis_process  the whole job as a user runs it: ``bin/qgis-process run liangwei:overlaycheck -- PATCHES=…
                LANDUSE=… PROTECTED=… PROTECTED=… OUTPUT=<out>/overlay.gpkg OUTPUT_DETAIL=<out>/detail.gpkg``.
                Wall time of the command, which includes QGIS's start-up (application, providers, Python,
                the plugin).  Start-up is measured separately — the median of three ``bin/qgis-process run
                native:buffer`` on a one-polygon GeoJSON written to a GeoPackage (``qgis_process --version``
                is shown too) — and the job is reported with and without it.  Peak memory: the command's
                ru_maxrss (os.wait4).
  geopandas     the same whole job the geopandas way, in its own virtual environment
                (build/bench-geopandas-venv, created once by this script with ``/usr/bin/python3 -m venv``,
                no system site packages, GEOPANDAS_REQUIREMENTS from PyPI: geopandas 1.0.1, pyogrio 0.10.0
                with its own GDAL, shapely 2.0.7, pandas 2.2.3, numpy 2.2.6, pyproj 3.7.1; never the project's
                .venv, whose QGIS process must not see a second GDAL; run with ``python -I`` and without
                scripts/env.sh's PYTHONPATH/PROJ_DATA).  The worker imports no QGIS and no osgeo (checked):
                ``read_file`` of the patches and the whole of the three reference layers,
                ``gpd.overlay(how="intersection")`` per reference layer (which validates its inputs),
                the engine's vectorised ellipsoidal area function (liangwei_plugin/areas.py; a per-geometry
                Geod loop would dominate), group-bys into the same two outputs — a per-patch GeoPackage layer
                (patch fields and geometry, patch_id, area_m2/mu, area_method, farmland/construction/
                agricultural/unused_m2 by the engine's land-use table, zldwdm/zldwmc of the largest piece,
                <layer>_m2 per protected layer) and a detail table (patch_id, layer, class_code, class_name,
                area_m2, area_mu, share) — written with ``to_file``/``pyogrio.write_dataframe`` (no pyarrow).
                Only protected_summary, repaired and repair_note of the plugin's summary are left out.  Timed
                from opening the files to both files written (interpreter start-up and imports excluded,
                shown apart as the process's wall time); its time to the tables, before writing, is what the
                engine is compared with.
  engine        the engine in-process, as liangwei:overlaycheck calls it, timed from opening the files to
                the summary and detail tables (no writing); its phases are printed.
  qgis          QGIS's native:intersection (memory output, QGIS's default invalid-geometry check) per reference
                layer + QgsDistanceArea (ellipsoid EPSG:7019) per piece, no writing.  Runs longer than
                --qgis-cap minutes are stopped and extrapolated from the progress reached (labelled).
  profile       (not run by default) liangwei:overlaycheck through processing.run in one QGIS process, with
                the engine's phases and the time before and after it (reading the patches, writing outputs);
                LIANGWEI_BENCH_CPROFILE=<file> also writes cProfile statistics of the run there.

Every tool's areas are compared with the engine's (qgis_process and geopandas: read back from the files they
wrote, in bench/results/outputs/<size>_<tool>/, removed after the comparison unless --keep-outputs), and the
two whole-job outputs with each other field by field.  CPU seconds (user + system) are printed beside the wall
times.  Results: bench/results/overlay_<size>.json and the Markdown tables in bench/results/overlay.md (load
averages at the start and the end of the run included: other work on the machine slows every tool, so on a
shared machine use --repeat).
Run it under ``flock /tmp/liangwei-bench.lock`` so that no other benchmark shares the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
OUTPUTS = RESULTS / "outputs"
LANDUSE = "三调地类图斑"
PROTECTED = ("生态保护红线", "永久基本农田")
TOOLS = ("engine", "qgis_process", "geopandas", "qgis")
QGIS_PROCESS = ROOT / "bin" / "qgis-process"
MIN_PIECE_M2 = 1e-6  # as the engine: smaller intersections are edge contacts

GEOPANDAS_VENV = ROOT / "build" / "bench-geopandas-venv"
# pandas < 3 and numpy 2.2 for geopandas 1.0.1 (released before pandas 3); all wheels from PyPI
GEOPANDAS_REQUIREMENTS = ("geopandas==1.0.1", "pyogrio==0.10.0", "shapely==2.0.7", "pandas==2.2.3",
                          "numpy==2.2.6", "pyproj==3.7.1")


def _plugin_path():
    plugins = ROOT / "build" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "liangwei").exists():
        (plugins / "liangwei").symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(plugins))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _clean_env() -> dict:
    """The environment for the geopandas interpreter: none of the QGIS/.venv paths scripts/env.sh sets
    (PYTHONPATH carries the .venv's site-packages; PROJ_DATA the system PROJ's database, not the wheel's)."""
    drop = ("PYTHONPATH", "PYTHONHOME", "PROJ_DATA", "PROJ_LIB", "GDAL_DATA", "GDAL_DRIVER_PATH",
            "QGIS_PLUGINPATH", "QGIS_PREFIX_PATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH")
    return {k: v for k, v in os.environ.items() if k not in drop}


def geopandas_python() -> Path:
    """The interpreter of build/bench-geopandas-venv, created (or brought to GEOPANDAS_REQUIREMENTS) once."""
    py = GEOPANDAS_VENV / "bin" / "python"
    stamp = GEOPANDAS_VENV / "bench-requirements.txt"
    want = "\n".join(GEOPANDAS_REQUIREMENTS) + "\n"
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return py
    print(f"  creating {GEOPANDAS_VENV.relative_to(ROOT)} ({' '.join(GEOPANDAS_REQUIREMENTS)})", flush=True)
    if not py.exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(GEOPANDAS_VENV)], check=True, env=_clean_env())
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", *GEOPANDAS_REQUIREMENTS], check=True,
                   env=_clean_env())
    stamp.write_text(want)
    return py


# ------------------------------------------------------------------------------------------ workers
def work_engine(county: Path, patches: Path) -> dict:
    """As liangwei:overlaycheck does it: the engine reads the reference layers itself on a background
    thread — only the features near the patches, through the GeoPackage R-tree; the land-use layer in parts,
    one per group of neighbouring patches — and overlays each part while the next one is read."""
    from liangwei.liangwei_plugin import overlay as ov
    from liangwei.liangwei_plugin.vector_io import read_vector

    def reader(layer, columns):
        return lambda near, crs: read_vector(county, layer, columns=columns, keep_near=near, keep_near_crs=crs)

    t0, c0 = time.perf_counter(), time.process_time()
    p = read_vector(patches, "卫片图斑")
    read_patches = time.perf_counter() - t0
    landuse = ov.ReferenceLayer(LANDUSE, kind=ov.LANDUSE, class_field="DLBM", zldwdm_field="ZLDWDM",
                                zldwmc_field="ZLDWMC", prefiltered=True,
                                reader=reader(LANDUSE, ["DLBM", "ZLDWDM", "ZLDWMC"]))
    prot = [ov.ReferenceLayer(name, name_field="MC", prefiltered=True, reader=reader(name, ["MC"]))
            for name in PROTECTED]
    res = ov.overlay_patches(p, landuse, prot, id_field="JCBH")
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    d = res.detail
    lu_rows = d[d["layer"] == LANDUSE]
    out = {(a, b): c for a, b, c in zip(lu_rows["patch_id"], lu_rows["class_code"], lu_rows["area_m2"])}
    for name in PROTECTED:
        col = res.summary[res.protected_fields[name]].to_numpy()
        for pid, a in zip(res.summary["patch_id"], col):
            if a > 0:
                out[(pid, name)] = a
    return {"seconds": elapsed, "cpu_seconds": cpu, "read_seconds": read_patches, "phases": res.timings,
            "pairs": len(d), "result": out}


def work_geopandas(county: Path, patches: Path, out_dir: Path) -> dict:
    """The whole job the geopandas way: read, overlay + group-by, write the summary layer and the detail
    table (run by build/bench-geopandas-venv's interpreter: no QGIS, no osgeo)."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    from liangwei.liangwei_plugin import landuse_codes
    from liangwei.liangwei_plugin.areas import ellipsoidal_areas, square_metres_to_mu

    phases: dict[str, float] = {}
    t0 = clock = time.perf_counter()
    c0 = time.process_time()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[phase] = phases.get(phase, 0.0) + now - clock
        clock = now

    p = gpd.read_file(patches, layer="卫片图斑", engine="pyogrio")
    lu = gpd.read_file(county, layer=LANDUSE, engine="pyogrio", columns=["DLBM", "ZLDWDM", "ZLDWMC"])
    prot = {name: gpd.read_file(county, layer=name, engine="pyogrio", columns=["MC"]) for name in PROTECTED}
    lap("read the four layers")

    crs = p.crs
    ids = p["JCBH"].astype(str)
    patch_area = ellipsoidal_areas(p.geometry.values, crs)
    pa = pd.Series(patch_area, index=ids.to_numpy())
    summary = p.copy()
    summary["patch_id"] = ids
    summary["area_m2"] = patch_area
    summary["area_mu"] = square_metres_to_mu(patch_area)
    summary["area_method"] = "ellipsoidal"
    left = gpd.GeoDataFrame({"patch_id": ids}, geometry=p.geometry.values, crs=crs)
    lap("patch areas")

    def pieces(ref: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        x = gpd.overlay(left, ref, how="intersection", keep_geom_type=True)
        x["area_m2"] = ellipsoidal_areas(x.geometry.values, crs)
        return x[x["area_m2"] >= MIN_PIECE_M2]

    def per_patch(values: pd.Series) -> pd.Series:
        return ids.map(values).fillna(0.0).to_numpy()

    x = pieces(lu)
    n_pairs = len(x)
    lap(f"{LANDUSE}: overlay, areas")
    g = x.groupby(["patch_id", "DLBM"], as_index=False, sort=True)["area_m2"].sum()
    codes = g["DLBM"].unique()
    names = g["DLBM"].map({c: landuse_codes.class_name(c) for c in codes})
    group = g["DLBM"].map({c: landuse_codes.land_group(c) for c in codes})
    farm = g["DLBM"].map({c: landuse_codes.is_farmland(c) for c in codes}).astype(bool)
    parts = [pd.DataFrame({"patch_id": g["patch_id"], "layer": LANDUSE, "class_code": g["DLBM"],
                           "class_name": names, "area_m2": g["area_m2"],
                           "area_mu": square_metres_to_mu(g["area_m2"]),
                           "share": g["area_m2"] / g["patch_id"].map(pa)})]
    summary["farmland_m2"] = per_patch(g[farm].groupby("patch_id")["area_m2"].sum())
    summary["farmland_mu"] = square_metres_to_mu(summary["farmland_m2"])
    for grp, col in ((landuse_codes.CONSTRUCTION, "construction_m2"), (landuse_codes.AGRICULTURAL,
                     "agricultural_m2"), (landuse_codes.UNUSED, "unused_m2")):
        summary[col] = per_patch(g[group == grp].groupby("patch_id")["area_m2"].sum())
    best = x.sort_values("area_m2").drop_duplicates("patch_id", keep="last").set_index("patch_id")
    summary["zldwdm"] = ids.map(best["ZLDWDM"]).fillna("").to_numpy()
    summary["zldwmc"] = ids.map(best["ZLDWMC"]).fillna("").to_numpy()
    del x, lu, g, best
    lap(f"{LANDUSE}: group-by")
    for name in PROTECTED:
        x = pieces(prot[name])
        n_pairs += len(x)
        lap(f"{name}: overlay, areas")
        g = x.groupby(["patch_id", "MC"], as_index=False, sort=True)["area_m2"].sum()
        parts.append(pd.DataFrame({"patch_id": g["patch_id"], "layer": name, "class_code": "",
                                   "class_name": g["MC"], "area_m2": g["area_m2"],
                                   "area_mu": square_metres_to_mu(g["area_m2"]),
                                   "share": g["area_m2"] / g["patch_id"].map(pa)}))
        summary[f"{name}_m2"] = per_patch(g.groupby("patch_id")["area_m2"].sum())
        lap(f"{name}: group-by")
    detail = pd.concat(parts, ignore_index=True)
    lap("detail table")
    result_seconds = time.perf_counter() - t0

    out_dir.mkdir(parents=True, exist_ok=True)
    summary.to_file(out_dir / "overlay.gpkg", layer="overlay", driver="GPKG", engine="pyogrio",
                    promote_to_multi=True)
    lap("write the summary layer")
    pyogrio.write_dataframe(detail, out_dir / "detail.gpkg", layer="detail", driver="GPKG")
    lap("write the detail table")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    foreign = sorted(m for m in sys.modules if m.split(".")[0] in ("qgis", "osgeo", "processing"))
    if foreign:
        raise RuntimeError(f"the geopandas worker imported {foreign}")
    versions = {m.__name__: m.__version__ for m in (gpd, pd, pyogrio, sys.modules["shapely"],
                                                    sys.modules["numpy"], sys.modules["pyproj"])}
    versions["GDAL (pyogrio's)"] = pyogrio.__gdal_version_string__
    versions["python"] = sys.version.split()[0]
    return {"seconds": seconds, "cpu_seconds": cpu, "result_seconds": result_seconds,
            "read_seconds": phases["read the four layers"], "write_seconds": seconds - result_seconds,
            "phases": phases, "pairs": n_pairs, "detail_rows": len(detail), "versions": versions,
            "interpreter": sys.executable, "geopandas_from": gpd.__file__}


def _qgis_app():
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    return app


def work_qgis(county: Path, patches: Path, progress_file: Path) -> dict:
    app = _qgis_app()  # noqa: F841 (kept alive)
    import processing
    from qgis.core import (
        QgsDistanceArea,
        QgsFeatureRequest,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProject,
    )

    jobs = [(LANDUSE, "DLBM")] + [(name, None) for name in PROTECTED]
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
    out = {k: v for k, v in out.items() if v >= MIN_PIECE_M2}
    return {"seconds": time.perf_counter() - t0, "read_seconds": None, "pairs": pairs, "result": out}


def work_profile(county: Path, patches: Path, out_dir: Path) -> dict:
    """liangwei:overlaycheck through processing.run in this process (the code qgis_process runs), with the
    engine's phases and the time spent before it (reading the patches through QGIS, setting up the readers)
    and after it: per output, building the features in Python and QgsFeatureSink.addFeatures (the sinks are
    wrapped), then what follows processAlgorithm (sinks closed, memory freed)."""
    app = _qgis_app()  # noqa: F841 (kept alive)
    import processing
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback, QgsProject

    from liangwei.liangwei_plugin import overlay as ov
    from liangwei.processing_algs import overlay_check as oc
    from liangwei.processing_algs.provider import LiangweiProvider

    provider = LiangweiProvider()  # kept referenced: a collected provider cannot create algorithms
    QgsApplication.processingRegistry().addProvider(provider)
    marks: dict = {"sinks": []}
    real_overlay = ov.overlay_patches
    alg = oc.OverlayCheckAlgorithm
    real_sink, real_process = alg.parameterAsSink, alg.processAlgorithm

    def timed_overlay(*args, **kwargs):
        marks["engine_start"] = time.perf_counter()
        r = real_overlay(*args, **kwargs)
        marks["engine_end"] = time.perf_counter()
        marks["phases"] = dict(r.timings)
        return r

    class TimedSink:
        def __init__(self, sink, name):
            self.sink, self.name, self.add = sink, name, 0.0

        def addFeatures(self, features, *flags):  # noqa: N802 (QGIS API name)
            t = time.perf_counter()
            ok = self.sink.addFeatures(features, *flags)
            self.add += time.perf_counter() - t
            return ok

    def timed_sink(self, parameters, name, context, *args, **kwargs):
        t = time.perf_counter()
        sink, dest = real_sink(self, parameters, name, context, *args, **kwargs)
        wrapped = TimedSink(sink, name) if sink is not None else None
        marks["sinks"].append((name, t, time.perf_counter(), wrapped))
        return wrapped, dest

    def timed_process(self, *args, **kwargs):
        try:
            return real_process(self, *args, **kwargs)
        finally:
            marks["process_end"] = time.perf_counter()

    ov.overlay_patches, alg.parameterAsSink, alg.processAlgorithm = timed_overlay, timed_sink, timed_process
    out_dir.mkdir(parents=True, exist_ok=True)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    stats = os.environ.get("LIANGWEI_BENCH_CPROFILE")  # a path: cProfile the run (slows Python code down)
    profiler = None
    if stats:
        import cProfile

        profiler = cProfile.Profile()
    t0, c0 = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    processing.run("liangwei:overlaycheck", _overlaycheck_params(county, patches, out_dir), context=context,
                   feedback=QgsProcessingFeedback())
    if profiler:
        profiler.disable()
        profiler.dump_stats(stats)
    t1 = time.perf_counter()
    phases = {"before the engine (patches read through QGIS, readers set up)": marks["engine_start"] - t0}
    phases.update({f"engine: {k}": v for k, v in marks["phases"].items()})
    phases["engine (total)"] = marks["engine_end"] - marks["engine_start"]
    clock = marks["engine_end"]
    ends = [s[1] for s in marks["sinks"][1:]] + [marks["process_end"]]
    for (name, asked, created, sink), end in zip(marks["sinks"], ends):
        phases[f"{name}: fields and values before the sink"] = asked - clock
        phases[f"{name}: sink created"] = created - asked
        phases[f"{name}: features built (Python)"] = end - created - sink.add
        phases[f"{name}: QgsFeatureSink.addFeatures"] = sink.add
        clock = end
    phases["after processAlgorithm (sinks closed, memory freed)"] = t1 - marks["process_end"]
    phases["after the engine (both outputs written)"] = t1 - marks["engine_end"]
    return {"seconds": t1 - t0, "cpu_seconds": time.process_time() - c0, "read_seconds": None, "phases": phases}


def worker_main(tool: str, size: str, result_file: Path, out_dir: Path | None) -> None:
    _plugin_path()
    county, patches = DATA / f"county_{size}.gpkg", DATA / f"patches_{size}.gpkg"
    if tool == "engine":
        r = work_engine(county, patches)
    elif tool == "geopandas":
        r = work_geopandas(county, patches, out_dir)
    elif tool == "profile":
        r = work_profile(county, patches, out_dir)
    else:
        r = work_qgis(county, patches, result_file.with_suffix(".progress"))
    r["peak_mb"] = _peak_mb()
    with open(result_file, "wb") as f:
        pickle.dump(r, f)


# ------------------------------------------------------------------------------------------ qgis_process
def _overlaycheck_params(county: Path, patches: Path, out_dir: Path) -> dict:
    return {"PATCHES": f"{patches}|layername=卫片图斑", "LANDUSE": f"{county}|layername={LANDUSE}",
            "PROTECTED": [f"{county}|layername={name}" for name in PROTECTED],
            "OUTPUT": str(out_dir / "overlay.gpkg"), "OUTPUT_DETAIL": str(out_dir / "detail.gpkg")}


def overlaycheck_command(county: Path, patches: Path, out_dir: Path) -> list[str]:
    """The command a user types (PROTECTED repeated once per layer)."""
    args = []
    for k, v in _overlaycheck_params(county, patches, out_dir).items():
        args += [f"{k}={x}" for x in (v if isinstance(v, list) else [v])]
    return [str(QGIS_PROCESS), "run", "liangwei:overlaycheck", "--", *args]


def _run_timed(cmd: list[str], log: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak memory (MB, ru_maxrss) of ``cmd`` itself (its
    rusage from os.wait4); its output goes to ``log``."""
    with open(log, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{log.read_text()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def qgis_startup(out_dir: Path, repeat: int = 3) -> dict:
    """QGIS start-up as qgis_process pays it: ``run native:buffer`` on one polygon (application, providers,
    Python and the plugin loaded, a one-feature GeoPackage written), median of ``repeat``; and --version."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tiny = out_dir / "one_polygon.geojson"
    tiny.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": 1}, '
                    '"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}')
    runs, cpu, version = [], [], []
    for k in range(repeat):
        buf = out_dir / f"buffer{k}.gpkg"
        wall, c, _ = _run_timed([str(QGIS_PROCESS), "run", "native:buffer", "--", f"INPUT={tiny}", "DISTANCE=0.1",
                                 f"OUTPUT={buf}"], out_dir / "startup.log")
        runs.append(wall)
        cpu.append(c)
        version.append(_run_timed([str(QGIS_PROCESS), "--version"], out_dir / "version.log")[0])
    return {"seconds": statistics.median(runs), "runs": runs, "cpu_seconds": statistics.median(cpu),
            "version_seconds": statistics.median(version)}


def run_qgis_process(size: str, out_dir: Path) -> dict:
    county, patches = DATA / f"county_{size}.gpkg", DATA / f"patches_{size}.gpkg"
    start = qgis_startup(out_dir / "startup")
    cmd = overlaycheck_command(county, patches, out_dir)
    wall, cpu, peak = _run_timed(cmd, out_dir / "qgis_process.log")
    return {"seconds": wall, "cpu_seconds": cpu, "startup_seconds": start["seconds"], "startup_runs": start["runs"],
            "startup_cpu_seconds": start["cpu_seconds"], "version_seconds": start["version_seconds"],
            "seconds_without_startup": wall - start["seconds"],
            "peak_mb": peak, "command": " ".join(f"'{c}'" if "|" in c else c for c in cmd),
            "result": result_from_outputs(out_dir / "overlay.gpkg", out_dir / "detail.gpkg")}


def result_from_outputs(summary: Path, detail: Path) -> dict:
    """{(patch_id, class_code): m²} from the detail table's land-use rows and {(patch_id, layer): m²} from the
    summary layer's <layer>_m2 fields, read back from the GeoPackages a tool wrote."""
    def table(con) -> str:
        return con.execute("SELECT table_name FROM gpkg_contents").fetchone()[0]

    out: dict = {}
    with closing(sqlite3.connect(f"file:{detail}?mode=ro", uri=True)) as con:
        sql = f'SELECT patch_id, class_code, area_m2 FROM "{table(con)}" WHERE layer = ?'
        for pid, code, a in con.execute(sql, (LANDUSE,)):
            out[(pid, code)] = out.get((pid, code), 0.0) + a
    with closing(sqlite3.connect(f"file:{summary}?mode=ro", uri=True)) as con:
        cols = ", ".join(f'"{name}_m2"' for name in PROTECTED)
        for pid, *areas in con.execute(f'SELECT patch_id, {cols} FROM "{table(con)}"'):
            for name, a in zip(PROTECTED, areas):
                if a and a > 0:
                    out[(pid, name)] = a
    return out


def compare_outputs(a: Path, b: Path) -> dict:
    """The summary layers (every numeric field both have, and zldwdm/zldwmc) and detail tables two tools
    wrote into folders ``a`` and ``b``, patch by patch: the largest difference per field and the row counts."""
    def rows(path: Path, cols: list[str]) -> dict:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            t = con.execute("SELECT table_name FROM gpkg_contents").fetchone()[0]
            names = ", ".join(f'"{c}"' for c in cols)
            return {r[0]: r[1:] for r in con.execute(f'SELECT patch_id, {names} FROM "{t}"')}

    def fields(path: Path) -> dict:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            t = con.execute("SELECT table_name FROM gpkg_contents").fetchone()[0]
            return {r[1]: r[2].upper() for r in con.execute(f'PRAGMA table_info("{t}")')}

    fa, fb = fields(a / "overlay.gpkg"), fields(b / "overlay.gpkg")
    cols = [c for c in fa if c in fb and c != "fid" and (fa[c] in ("REAL", "DOUBLE") or c in ("zldwdm", "zldwmc"))]
    ra, rb = rows(a / "overlay.gpkg", cols), rows(b / "overlay.gpkg", cols)
    out = {"patches": [len(ra), len(rb)], "same_patch_ids": set(ra) == set(rb), "max_abs_diff": {}}
    common = set(ra) & set(rb)
    for i, c in enumerate(cols):
        if c in ("zldwdm", "zldwmc"):
            out["max_abs_diff"][c] = f"{sum(ra[k][i] != rb[k][i] for k in common)} patches differ"
        else:
            out["max_abs_diff"][c] = max((abs((ra[k][i] or 0.0) - (rb[k][i] or 0.0)) for k in common), default=0.0)
    counts = []
    for folder in (a, b):
        with closing(sqlite3.connect(f"file:{folder / 'detail.gpkg'}?mode=ro", uri=True)) as con:
            t = con.execute("SELECT table_name FROM gpkg_contents").fetchone()[0]
            counts.append(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
    out["detail_rows"] = counts
    out["only_in_first"] = sorted(set(fa) - set(fb) - {"fid", "geom", "geometry"})
    return out


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
    out_dir = OUTPUTS / f"{size}_{tool}"
    shutil.rmtree(out_dir, ignore_errors=True)
    if tool == "qgis_process":
        r = run_qgis_process(size, out_dir)
        r.update(tool=tool, capped=False)
        return r
    result_file = RESULTS / f"overlay_{size}_{tool}.pkl"
    result_file.unlink(missing_ok=True)
    python, env = sys.executable, None
    if tool == "geopandas":
        python, env = str(geopandas_python()), _clean_env()
    # -I: the geopandas interpreter sees neither PYTHONPATH nor the user's site-packages
    cmd = [python, *(["-I"] if tool == "geopandas" else []), str(Path(__file__).resolve()), "--worker", tool,
           "--size", size, "--result-file", str(result_file), "--out-dir", str(out_dir)]
    timeout = cap_minutes * 60 if tool == "qgis" else None
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, timeout=timeout, capture_output=True, text=True, env=env)
    except subprocess.TimeoutExpired:
        est = _extrapolate(result_file.with_suffix(".progress"), timeout, 1 + len(PROTECTED))
        return {"tool": tool, "seconds": est, "capped": True, "wall": time.perf_counter() - started,
                "peak_mb": None, "result": None}
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    with open(result_file, "rb") as f:
        r = pickle.load(f)
    r.update(tool=tool, capped=False, process_wall=time.perf_counter() - started)
    if tool == "geopandas":
        r["result"] = result_from_outputs(out_dir / "overlay.gpkg", out_dir / "detail.gpkg")
    return r


def compare(a: dict, b: dict) -> tuple[int, float]:
    keys = set(a) | set(b)
    worst = max((abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in keys), default=0.0)
    return len(keys), worst


def _s(x, capped=False) -> str:
    return "n/a" if not x else f"{x:.1f} s" + (" (extrapolated)" if capped else "")


def _x(a, b) -> str:
    return f"{a / b:.1f}×" if a and b else "n/a"


def _mb(r) -> str:
    return f"{r['peak_mb']:.0f} MB" if r and r.get("peak_mb") else "n/a"


def markdown_tables(summaries: list[dict]) -> str:
    """The README tables: the whole job (qgis_process vs geopandas), then the overlay alone."""
    lines = ["| county | liangwei:overlaycheck through qgis_process, both outputs written (with QGIS start-up) "
             "| the same without start-up | geopandas whole job (read, overlay + group-by, both outputs written) "
             "| qgis_process vs geopandas, whole job: geopandas time ÷ qgis_process time (with / without start-up) "
             "| peak memory (qgis_process / geopandas) |",
             "|---|---|---|---|---|---|"]
    for s in summaries:
        t = s["tools"]
        qp, gp = t.get("qgis_process") or {}, t.get("geopandas") or {}
        lines.append(
            f"| {s['size']}: {s['patches']:,} patches × {s['parcels']:,} parcels | {_s(qp.get('seconds'))} | "
            f"{_s(qp.get('seconds_without_startup'))} (start-up {_s(qp.get('startup_seconds'))}) | "
            f"{_s(gp.get('seconds'))} | {_x(gp.get('seconds'), qp.get('seconds'))} / "
            f"{_x(gp.get('seconds'), qp.get('seconds_without_startup'))} | {_mb(qp)} / {_mb(gp)} |")
    lines += ["", "| county | engine in-process (to the result, no writing) | geopandas to the result "
              "(read / overlay + group-by / write) | QGIS native:intersection + aggregation (no writing) "
              "| engine vs geopandas (to the result) | engine vs QGIS | peak memory (engine / QGIS) |",
              "|---|---|---|---|---|---|---|"]
    for s in summaries:
        t = s["tools"]
        eng, gp, qg = t.get("engine") or {}, t.get("geopandas") or {}, t.get("qgis") or {}
        split = (f" ({gp['read_seconds']:.1f} / {gp['result_seconds'] - gp['read_seconds']:.1f} / "
                 f"{gp['write_seconds']:.1f})" if gp.get("result_seconds") else "")
        lines.append(
            f"| {s['size']}: {s['patches']:,} patches × {s['parcels']:,} parcels | {_s(eng.get('seconds'))} | "
            f"{_s(gp.get('result_seconds'))}{split} | {_s(qg.get('seconds'), qg.get('capped'))} | "
            f"{_x(gp.get('result_seconds'), eng.get('seconds'))} | {_x(qg.get('seconds'), eng.get('seconds'))} | "
            f"{_mb(eng)} / {_mb(qg)} |")
    return "\n".join(lines)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,large", help="comma-separated: small, large")
    ap.add_argument("--size", help="one size (same as --sizes SIZE)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: " + ", ".join(TOOLS) + ", profile")
    ap.add_argument("--qgis-cap", type=float, default=40.0, help="minutes before QGIS is stopped and extrapolated")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each tool (not qgis, profile); the fastest is reported, all are in the JSON")
    ap.add_argument("--keep-outputs", action="store_true", help="keep what the tools wrote in bench/results/outputs")
    ap.add_argument("--worker")
    ap.add_argument("--result-file")
    ap.add_argument("--out-dir")
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker, args.size, Path(args.result_file), Path(args.out_dir) if args.out_dir else None)
        return
    sizes = args.size or args.sizes
    tools = args.tools.split(",")
    profile_only = set(tools) == {"profile"}

    sys.path.insert(0, str(HERE))
    _plugin_path()
    from synthetic_county import SIZES, generate

    started = time.strftime("%Y-%m-%d %H:%M")
    load_start = _load()
    print(f"overlay benchmark, {started}, {os.cpu_count()} CPUs, load averages (1, 5, 15 min) {load_start}",
          flush=True)
    if "geopandas" in tools:
        geopandas_python()
    summaries = []
    for size in sizes.split(","):
        n_patch, side, _ = SIZES[size]
        t = time.perf_counter()
        generate(DATA, size)
        print(f"\n== {size}: {n_patch:,} patches x {side * side:,} parcels (data ready in "
              f"{time.perf_counter() - t:.0f} s), load averages {_load()}", flush=True)
        runs = {}
        for tool in tools:
            tries = []
            for _ in range(1 if tool in ("qgis", "profile") else args.repeat):
                load = os.getloadavg()[0]
                r = run_tool(tool, size, args.qgis_cap)
                tries.append((r, load))
                label = " (stopped at cap, extrapolated)" if r["capped"] else ""
                cpu = f", CPU {r['cpu_seconds']:.1f} s" if r.get("cpu_seconds") else ""
                print(f"  {tool:12s} {_s(r['seconds']):>10s}{label}  peak memory {_mb(r)}{cpu}  (load {load:.2f} "
                      "before it)", flush=True)
            # the fastest run: the one least slowed down by other work on the machine
            r = min(tries, key=lambda t: t[0]["seconds"] or float("inf"))[0]
            r["all_seconds"] = [t[0]["seconds"] for t in tries]
            r["load_before_each_run"] = [t[1] for t in tries]
            runs[tool] = r
            if len(tries) > 1:
                print(f"  {tool:12s} fastest of {len(tries)}: {_s(r['seconds'])}", flush=True)
            if tool == "qgis_process":
                print(f"      {r['command']}\n      includes QGIS start-up {r['startup_seconds']:.2f} s "
                      f"(native:buffer on one polygon, median of "
                      f"{' / '.join(f'{x:.2f}' for x in r['startup_runs'])} s; qgis_process --version "
                      f"{r['version_seconds']:.2f} s): without it {r['seconds_without_startup']:.1f} s")
            if tool == "geopandas":
                print(f"      to the result {r['result_seconds']:.1f} s, writing {r['write_seconds']:.1f} s; "
                      f"process {r['process_wall']:.1f} s with interpreter start-up and imports; "
                      + ", ".join(f"{k} {v}" for k, v in r["versions"].items()))
            for phase, sec in (r.get("phases") or {}).items():
                if sec >= 0.05:
                    print(f"      {phase:58s} {sec:6.2f} s")
        summary = {"size": size, "patches": n_patch, "parcels": side * side, "cpus": os.cpu_count(),
                   "load_average_at_start": load_start, "started": started, "tools": {}}
        ref = runs.get("engine")
        for tool, r in runs.items():
            entry = {k: r.get(k) for k in ("seconds", "read_seconds", "result_seconds", "write_seconds",
                                           "cpu_seconds", "startup_seconds", "startup_runs",
                                           "startup_cpu_seconds", "version_seconds",
                                           "seconds_without_startup", "process_wall", "peak_mb", "pairs",
                                           "all_seconds", "load_before_each_run",
                                           "detail_rows", "capped", "phases", "versions", "command")
                     if r.get(k) is not None}
            if ref and r is not ref and r.get("seconds") and tool != "qgis_process":
                entry["ratio_vs_engine"] = (r.get("result_seconds") or r["seconds"]) / ref["seconds"]
            if ref and r is not ref and r.get("result") is not None:
                n, worst = compare(ref["result"], r["result"])
                entry["compared_keys"], entry["max_abs_diff_m2"] = n, worst
                print(f"  engine vs {tool}: {n:,} patch x class areas, max |difference| {worst:.2e} m2")
            summary["tools"][tool] = entry
        qp, gp = summary["tools"].get("qgis_process"), summary["tools"].get("geopandas")
        if qp and gp:
            same = compare_outputs(OUTPUTS / f"{size}_qgis_process", OUTPUTS / f"{size}_geopandas")
            summary["qgis_process_vs_geopandas_outputs"] = same
            diffs = ", ".join(f"{k} {v:.1e}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in same["max_abs_diff"].items())
            print(f"  outputs, qgis_process vs geopandas: {same['patches'][0]:,} / {same['patches'][1]:,} patches "
                  f"(same ids: {same['same_patch_ids']}), detail rows {same['detail_rows'][0]:,} / "
                  f"{same['detail_rows'][1]:,}; largest differences: {diffs}; fields only qgis_process writes: "
                  f"{', '.join(same['only_in_first']) or 'none'}")
            summary["qgis_process_vs_geopandas_whole_job"] = {
                "with_startup": gp["seconds"] / qp["seconds"],
                "without_startup": gp["seconds"] / qp["seconds_without_startup"]}
            print("  whole job, geopandas time / qgis_process time: {with_startup:.2f} with QGIS start-up, "
                  "{without_startup:.2f} without".format(**summary["qgis_process_vs_geopandas_whole_job"]))
        summary["load_average_at_end"] = _load()
        print(f"  load averages {summary['load_average_at_end']}", flush=True)
        RESULTS.mkdir(parents=True, exist_ok=True)
        # a profile-only run keeps the benchmark's figures
        name = f"overlay_{size}_profile.json" if profile_only else f"overlay_{size}.json"
        (RESULTS / name).write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        summaries.append(summary)
        if not args.keep_outputs:
            shutil.rmtree(OUTPUTS, ignore_errors=True)
    load_end = _load()
    if profile_only:
        print(f"\nload averages at the start {load_start}, at the end {load_end}")
        return
    table = markdown_tables(summaries)
    print(f"\n{table}\n\nload averages at the start {load_start}, at the end {load_end}")
    cmd = "flock /tmp/liangwei-bench.lock .venv/bin/python bench/overlay.py" + (
        f" --sizes {sizes}" if sizes != "small,large" else "") + (
        f" --tools {args.tools}" if args.tools != ",".join(TOOLS) else "") + (
        f" --repeat {args.repeat}" if args.repeat != 1 else "")
    (RESULTS / "overlay.md").write_text(
        f"Overlay benchmark, {started}, {os.cpu_count()} CPUs, load averages (1, 5, 15 min) {load_start} at the "
        f"start and {load_end} at the end" + (f"; each tool the fastest of {args.repeat} runs (QGIS native one)"
                                              if args.repeat > 1 else "")
        + f"\n\n    source scripts/env.sh && {cmd}\n\n{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()
