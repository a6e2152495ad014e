"""Benchmark of liangwei:detectchanges (liangwei_plugin.change_detection) on generated counties.

    .venv/bin/python bench/change_detection.py [--seeds 2026 2027] [--work /tmp/lw-change-bench]
    .venv/bin/python bench/change_detection.py --scale 1 --seeds 2026     # a county at 1 m: time and memory

For each seed a sample county is generated with its truth (``generate_sample_county(with_truth=True)``:
the monitoring patches with the change type they show on the later epoch, the harvested/flooded parcels,
the clouds); the later epoch differs from the earlier one by the new construction *and* by another
radiometry, sensor noise, a sub-pixel misregistration, harvests, floods, clouds and their shadows.

Compared: the method, and simple image differencing with a fixed threshold (Σ|ΔDN| over the bands of the
raw epochs ≥ ``--fixed``, connected regions ≥ MIN_AREA) on the same data.  A true construction is found
when candidates cover ≥ 25 % of it; a candidate is real when ≥ 25 % of it lies on true constructions.
Recall is given by true change type and by size; patches smaller than MIN_AREA are listed apart (no method
with MIN_AREA = 200 m² proposes them).  Misses and false candidates are explained from the regions the
method left out and from the truth layers.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGINS = HERE.parent / "build" / "plugins"
PLUGINS.mkdir(parents=True, exist_ok=True)
if not (PLUGINS / "liangwei").exists():
    (PLUGINS / "liangwei").symlink_to(HERE.parent, target_is_directory=True)
sys.path.insert(0, str(PLUGINS))

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from shapely import affinity  # noqa: E402

from liangwei.liangwei_plugin import change_detection as cd  # noqa: E402
from liangwei.liangwei_plugin.sample_county import generate_sample_county  # noqa: E402
from liangwei.liangwei_plugin.vector_io import read_vector  # noqa: E402

SIZES = ((0, 200, "< 200 m²（低于 MIN_AREA）"), (200, 667, "200–667 m²（< 1 亩）"), (667, 2000, "1–3 亩"),
         (2000, 1e12, "≥ 3 亩"))
TYPES = ("新增建筑", "硬化地面", "推填土")


class Quiet:
    def set_progress(self, p):
        pass

    def is_canceled(self):
        return False

    def info(self, m):
        pass

    def warning(self, m):
        pass


def county(work: Path, seed: int) -> Path:
    folder = work / f"county_{seed}"
    if not (folder / "truth.gpkg").exists():
        t = time.monotonic()
        generate_sample_county(folder, seed=seed, feedback=Quiet(), with_truth=True)
        print(f"# county {seed} generated in {time.monotonic() - t:.0f} s", file=sys.stderr)
    return folder


def fixed_differencing(before: str, after: str, threshold: float, min_area: float) -> list:
    """Σ|ΔDN| ≥ threshold on the raw epochs, connected regions of at least min_area (same grid assumed)."""
    from osgeo import gdal
    from scipy import ndimage

    b, a = gdal.Open(before), gdal.Open(after)
    gt = a.GetGeoTransform()
    diff = np.zeros((a.RasterYSize, a.RasterXSize), np.float32)
    for k in range(1, 4):
        diff += np.abs(a.GetRasterBand(k).ReadAsArray().astype(np.float32)
                       - b.GetRasterBand(k).ReadAsArray().astype(np.float32))
    mask = diff >= threshold
    del diff
    mask = ndimage.binary_opening(mask)
    px = abs(gt[1] * gt[5])
    mem = gdal.GetDriverByName("MEM").Create("", a.RasterXSize, a.RasterYSize, 1, gdal.GDT_Byte)
    mem.SetGeoTransform(gt)
    mem.SetProjection(a.GetProjection())
    band = mem.GetRasterBand(1)
    band.WriteArray(mask.astype(np.uint8))
    gdal.SieveFilter(band, None, band, int(min_area / px), 8)
    from osgeo import ogr

    src = ogr.GetDriverByName("Memory").CreateDataSource("d")
    lyr = src.CreateLayer("d", None, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    gdal.Polygonize(band, band, lyr, 0, ["8CONNECTED=8"])
    return cd._valid_polygons([shapely.from_wkb(bytes(f.GetGeometryRef().ExportToWkb()))
                               for f in lyr if f.GetField(0) == 1])


def match(truth: np.ndarray, cands: np.ndarray):
    """(found per truth patch, real per candidate, candidate-covered share per truth)."""
    found = np.zeros(len(truth), bool)
    real = np.zeros(len(cands), bool)
    if len(cands) == 0:
        return found, real
    tree = shapely.STRtree(cands)
    ti, ci = tree.query(truth, predicate="intersects")
    inter = shapely.area(shapely.intersection(truth[ti], cands[ci]))
    per_truth = np.zeros(len(truth))
    per_cand = np.zeros(len(cands))
    np.add.at(per_truth, ti, inter)
    np.add.at(per_cand, ci, inter)
    found = per_truth >= 0.25 * shapely.area(truth)
    real = per_cand >= 0.25 * shapely.area(cands)
    return found, real


def pct(a, b) -> str:
    return f"{100 * a / b:.0f} % ({a}/{b})" if b else "—"


def explain_false(cands: np.ndarray, real: np.ndarray, seasonal: np.ndarray, clouds: np.ndarray) -> dict:
    out: dict[str, int] = {}
    shadow = np.array([affinity.translate(c, -130, 130) for c in clouds], dtype=object)
    for g in cands[~real]:
        if len(seasonal) and shapely.intersects(seasonal, g).any():
            why = "收割/淹水的耕地（季节变化）"
        elif len(clouds) and (shapely.intersects(clouds, g).any() or shapely.intersects(shadow, g).any()):
            why = "云或云影"
        else:
            why = "其他（配准残差、纹理、真值外的变化）"
        out[why] = out.get(why, 0) + 1
    return out


def run(work: Path, seed: int, fixed: float, min_area: float, also: tuple = ()) -> dict:
    folder = county(work, seed)
    before = str(folder / "imagery" / "epoch_20240520.tif")
    after = str(folder / "imagery" / "epoch_20250518.tif")
    lu = read_vector(str(folder / "county.gpkg"), "三调地类图斑", columns=["DLBM", "ZLDWDM", "ZLDWMC"])
    patches = read_vector(str(folder / "patches.gpkg"), "卫片图斑")
    truth = read_vector(str(folder / "truth.gpkg"), "新增建设")
    seasonal = np.asarray(read_vector(str(folder / "truth.gpkg"), "季节变化").geometry.values, dtype=object)
    clouds = np.asarray(read_vector(str(folder / "truth.gpkg"), "云").geometry.values, dtype=object)
    t, c = time.monotonic(), time.process_time()
    res = cd.detect_changes(before, after, landuse=lu, patches=patches, min_area=min_area, feedback=Quiet())
    wall, cpu = time.monotonic() - t, time.process_time() - c
    t = time.monotonic()
    base = np.asarray(fixed_differencing(before, after, fixed, min_area), dtype=object)
    base_wall = time.monotonic() - t
    tg = np.asarray(truth.geometry.values, dtype=object)
    tarea = shapely.area(tg)
    ttype = truth["change_type"].to_numpy()
    cg = np.asarray(res.candidates.geometry.values, dtype=object)
    ctype = res.candidates["change_type"].to_numpy()
    found, real = match(tg, cg)
    bfound, breal = match(tg, base)
    big = tarea >= min_area
    # type agreement on the found constructions: the candidate with the largest overlap
    agree = 0
    if len(cg):
        tree = shapely.STRtree(cg)
        for i in np.nonzero(found & big)[0]:
            hits = tree.query(tg[i], predicate="intersects")
            best = hits[np.argmax(shapely.area(shapely.intersection(cg[hits], tg[i])))]
            agree += int(ctype[best] == ttype[i])
    # why the method missed the true constructions it missed
    rej = np.asarray([g for g, _r in res.rejected], dtype=object)
    reasons = [r for _g, r in res.rejected]
    rtree = shapely.STRtree(rej) if len(rej) else None
    miss: dict[str, int] = {}
    for i in np.nonzero(~found & big)[0]:
        hits = rtree.query(tg[i], predicate="intersects") if rtree is not None else []
        if len(hits):
            best = hits[np.argmax(shapely.area(shapely.intersection(rej[hits], tg[i])))]
            why = reasons[best]
        else:
            why = "未检出（变化弱于阈值）"
        miss[why] = miss.get(why, 0) + 1
    rows = {"seed": seed, "wall": wall, "cpu": cpu, "base_wall": base_wall, "shift": res.shift,
            "threshold": res.threshold, "n_cand": len(cg), "n_base": len(base),
            "recall": (int((found & big).sum()), int(big.sum())), "base_recall": (int((bfound & big).sum()),
                                                                                   int(big.sum())),
            "precision": (int(real.sum()), len(cg)), "base_precision": (int(breal.sum()), len(base)),
            "type_agree": (agree, int((found & big).sum())), "miss": miss,
            "false": explain_false(cg, real, seasonal, clouds), "small": (int((found & ~big).sum()),
                                                                          int((~big).sum()))}
    rows["other_fixed"] = []
    for thr in also:
        other = np.asarray(fixed_differencing(before, after, thr, min_area), dtype=object)
        of, orl = match(tg, other)
        rows["other_fixed"].append((thr, (int((of & big).sum()), int(big.sum())), (int(orl.sum()), len(other))))
    rows["by_type"] = {k: ((found & big & (ttype == k)).sum(), (big & (ttype == k)).sum(),
                           (bfound & big & (ttype == k)).sum()) for k in TYPES}
    rows["by_size"] = {lab: ((found & (tarea >= lo) & (tarea < hi)).sum(), ((tarea >= lo) & (tarea < hi)).sum(),
                             (bfound & (tarea >= lo) & (tarea < hi)).sum()) for lo, hi, lab in SIZES}
    rows["cand_types"] = {k: (int((real & (ctype == k)).sum()), int((ctype == k).sum())) for k in TYPES}
    return rows


def report(rows: dict, fixed: float) -> str:
    r = rows
    lines = [f"### 示例县 seed {r['seed']}",
             f"- 用时：{r['wall']:.1f} s（墙钟），CPU {r['cpu']:.1f} s；配准偏移 dx={r['shift'][0]:+.2f}、"
             f"dy={r['shift'][1]:+.2f} 像元；阈值 {r['threshold']:.1f}",
             f"- 本方法：召回 {pct(*r['recall'])}，精度 {pct(*r['precision'])}，类型一致 {pct(*r['type_agree'])}",
             f"- 固定阈值差分（Σ|ΔDN| ≥ {fixed:g}）：召回 {pct(*r['base_recall'])}，精度 {pct(*r['base_precision'])}"
             f"（{r['n_base']} 个候选）",
             *[f"- 固定阈值差分（Σ|ΔDN| ≥ {thr:g}）：召回 {pct(*rc)}，精度 {pct(*pr)}（{pr[1]} 个候选）"
               for thr, rc, pr in r["other_fixed"]],
             "", "| 真实类型 | 本方法召回 | 固定阈值差分召回 |", "| --- | --- | --- |"]
    for k, (f, n, b) in r["by_type"].items():
        lines.append(f"| {k} | {pct(int(f), int(n))} | {pct(int(b), int(n))} |")
    lines += ["", "| 面积 | 本方法召回 | 固定阈值差分召回 |", "| --- | --- | --- |"]
    for k, (f, n, b) in r["by_size"].items():
        lines.append(f"| {k} | {pct(int(f), int(n))} | {pct(int(b), int(n))} |")
    lines += ["", "| 候选类型 | 精度 |", "| --- | --- |"]
    for k, (t, n) in r["cand_types"].items():
        lines.append(f"| {k} | {pct(t, n)} |")
    lines += ["", "- 漏检（≥ MIN_AREA）原因：" + ("，".join(f"{k} {v}" for k, v in r["miss"].items()) or "—"),
              "- 误检原因：" + ("，".join(f"{k} {v}" for k, v in r["false"].items()) or "—"), ""]
    return "\n".join(lines)


def scale(work: Path, seed: int, resolution: float, min_area: float) -> str:
    """The county's two epochs read onto a finer grid (``resolution`` m, e.g. 1 m: 12 000 × 10 000 px for the
    sample's 120 km²) — what a county flown at 1 m asks of the method: time, and peak memory of this process
    (tiles, never whole rasters)."""
    import resource

    folder = county(work, seed)
    before = str(folder / "imagery" / "epoch_20240520.tif")
    after = str(folder / "imagery" / "epoch_20250518.tif")
    lu = read_vector(str(folder / "county.gpkg"), "三调地类图斑", columns=["DLBM", "ZLDWDM", "ZLDWMC"])
    patches = read_vector(str(folder / "patches.gpkg"), "卫片图斑")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t, c = time.monotonic(), time.process_time()
    res = cd.detect_changes(before, after, landuse=lu, patches=patches, min_area=min_area, resolution=resolution,
                            feedback=Quiet())
    wall, cpu = time.monotonic() - t, time.process_time() - c
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from osgeo import gdal

    ds = gdal.Open(after)
    gt = ds.GetGeoTransform()
    km2 = ds.RasterXSize * abs(gt[1]) * ds.RasterYSize * abs(gt[5]) / 1e6
    px = km2 * 1e6 / resolution ** 2
    return (f"seed {seed}: {km2:.0f} km² at {resolution:g} m = {px / 1e6:.0f} Mpx per epoch: {wall:.0f} s wall, "
            f"{cpu:.0f} s CPU, {len(res.candidates)} candidates; peak memory {rss:.0f} MB "
            f"({rss0:.0f} MB before the run)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026, 2027])
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "lw-change-bench")
    parser.add_argument("--fixed", type=float, default=60.0, help="fixed threshold of the baseline, Σ|ΔDN|")
    parser.add_argument("--also", type=float, nargs="*", default=[30.0, 120.0],
                        help="further fixed thresholds reported (recall and precision only)")
    parser.add_argument("--min-area", type=float, default=200.0)
    parser.add_argument("--scale", type=float, metavar="M",
                        help="instead: time and peak memory on the county read onto an M-metre grid (e.g. 1)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.scale:
        for seed in args.seeds:
            print(scale(args.work, seed, args.scale, args.min_area), flush=True)
        return 0
    for seed in args.seeds:
        print(report(run(args.work, seed, args.fixed, args.min_area, tuple(args.also)), args.fixed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
