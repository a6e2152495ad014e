"""Benchmark: 1,000 determinations -> 规划认定意见书 + 责令限期整改通知书, against QGIS's own atlas export.

    source scripts/env.sh && .venv/bin/python bench/documents.py [--patches 1000] [--atlas 1000] [--workers N]

Ours: liangwei_plugin.documents.batch.export_batch for reports (before/after imagery excerpts and a
location map per patch, 200 dpi) and notices, with merged PDFs and index CSVs.  Atlas: a
QgsPrintLayout with the same three maps (before epoch, after epoch, location with context layers),
scale bar, north arrow and labels, driven by QgsLayoutAtlas over the same patches and exported by
QgsLayoutExporter to one PDF at 200 dpi.  Prints the timings, the per-excerpt ratio, and writes
bench/results/documents.json.  Synthetic inputs are generated once into bench/data/documents/.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build" / "plugins"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import doc_data  # noqa: E402

SIZE_PX = 3000   # 6 km x 6 km of 2 m imagery
DPI = 200


def make_data(folder: Path, n: int) -> dict:
    stamp = folder / f".complete_{n}"
    boxes = doc_data.patch_boxes(n, size_px=SIZE_PX, seed=2026)
    recs, detail = doc_data.records(boxes)
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        doc_data.write_imagery(folder / "imagery", size_px=SIZE_PX, patches=boxes)
        doc_data.write_vectors(folder / "vec", recs, detail, size_px=SIZE_PX)
        stamp.touch()
    return {
        "determination": f"{folder / 'vec' / 'determination.gpkg'}|layername=认定结果",
        "context": [f"{folder / 'vec' / 'context.gpkg'}|layername={name}"
                    for name in ("生态保护红线", "永久基本农田", "城镇开发边界")],
        "imagery": sorted(str(p) for p in (folder / "imagery").glob("epoch_*.tif")),
        "detail": detail,
    }


def run_ours(data: dict, out: Path, workers: int) -> dict:
    import resource

    from qgis.core import QgsVectorLayer

    from liangwei.liangwei_plugin.documents import batch
    from liangwei.liangwei_plugin.documents.config import load_config
    from liangwei.liangwei_plugin.documents.maps import MapExcerptRenderer, epochs_from_paths
    from liangwei.liangwei_plugin.documents.sources import records_from_layer

    def cpu_s() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    shutil.rmtree(out, ignore_errors=True)
    config = load_config()
    c0 = cpu_s()
    t0 = time.perf_counter()
    layer = QgsVectorLayer(data["determination"], "认定结果", "ogr")
    records = records_from_layer(layer)
    details: dict = {}
    for row in data["detail"]:
        details.setdefault(row["patch_id"], []).append(row)
    context = [QgsVectorLayer(uri, uri.split("layername=")[1], "ogr") for uri in data["context"]]
    renderer = MapExcerptRenderer(epochs_from_paths(data["imagery"]), context, None, config)
    registry = out / "numbers.sqlite"
    t1 = time.perf_counter()
    rep = batch.export_batch("report", records, out / "reports", config=config, details=details, renderer=renderer,
                             registry_path=registry, landuse_layer="三调地类图斑", workers=workers)
    t2 = time.perf_counter()
    notice = batch.export_batch("notice", records, out / "notices", config=config, details=details,
                                registry_path=registry, workers=workers)
    t3 = time.perf_counter()
    cpu = cpu_s() - c0   # this process, QGIS's render threads and the (finished) worker processes
    # maps alone (the same three excerpts per patch), for the per-excerpt comparison with atlas
    tm = time.perf_counter()
    pending = None
    for r in records:
        nxt = renderer.start(r.geometry, r.crs, r.attrs.get("QSX"), r.attrs.get("HSX"))
        if pending is not None:
            pending.result()
        pending = nxt
    if pending is not None:
        pending.result()
    maps_s = time.perf_counter() - tm
    steps = breakdown(renderer, records[:min(100, len(records))], details, config)
    renderer.close()
    assert not rep.failed and not notice.failed, (rep.failed[:3], notice.failed[:3])
    return {
        "patches": len(records), "reports": len(rep.rows), "notices": len(notice.rows),
        "report_pages": sum(r.pages for r in rep.rows), "notice_pages": sum(r.pages for r in notice.rows),
        "setup_s": t1 - t0, "reports_s": t2 - t1, "notices_s": t3 - t2, "total_s": t3 - t0, "cpu_s": cpu,
        "reports_timings_s": rep.timings, "notices_timings_s": notice.timings,
        "maps_only_s": maps_s, "excerpts": 3 * len(records), "cpu_ms_per_patch_one_process": steps,
    }


def breakdown(renderer, records, details, config) -> dict:
    """CPU milliseconds per patch of each step, one after the other in this process (QGIS's render
    threads included): where a report + notice pair's time goes."""
    import io

    from liangwei.liangwei_plugin.documents import batch
    from liangwei.liangwei_plugin.documents.model import DocumentInput, MapImages
    from liangwei.liangwei_plugin.documents.notice import build_notice
    from liangwei.liangwei_plugin.documents.report import build_report

    cpu = {"render": 0.0, "decorate": 0.0, "jpeg": 0.0, "report_pdf": 0.0, "notice_pdf": 0.0}
    docs = []
    for r in records:
        c = time.process_time()
        pending = renderer.start(r.geometry, r.crs, r.attrs.get("QSX"), r.attrs.get("HSX"))
        images = MapImages()
        for j in pending.jobs:
            j.job.waitForFinished()
            image = j.job.renderedImage()
            c2 = time.process_time()
            cpu["render"] += c2 - c
            renderer.decorate(image, j.settings, pending.geometry, j.kind, j.label)
            c3 = time.process_time()
            cpu["decorate"] += c3 - c2
            setattr(images, j.kind, renderer.encode(image))
            c = time.process_time()
            cpu["jpeg"] += c - c3
        docs.append(DocumentInput(r.patch_id, r.attrs, details.get(r.patch_id, []), images, batch.centroid_of(r),
                                  "×自然资规认〔2026〕第1号", dt.date(2026, 11, 22), "三调地类图斑"))
    build_report(docs[0], config, io.BytesIO())  # font loaded once, as in a worker
    for d in docs:
        c = time.process_time()
        build_report(d, config, io.BytesIO())
        c2 = time.process_time()
        build_notice(d, config, io.BytesIO())
        cpu["report_pdf"] += c2 - c
        cpu["notice_pdf"] += time.process_time() - c2
    return {k: round(v * 1000 / len(records), 2) for k, v in cpu.items()}


def run_atlas(data: dict, out: Path, limit: int) -> dict:
    """QgsLayoutAtlas + QgsLayoutExporter over the same patches: three map items as in our report."""
    from qgis.core import (
        QgsFillSymbol,
        QgsLayoutExporter,
        QgsLayoutItemLabel,
        QgsLayoutItemMap,
        QgsLayoutItemPicture,
        QgsLayoutItemScaleBar,
        QgsLayoutPoint,
        QgsLayoutSize,
        QgsPrintLayout,
        QgsProject,
        QgsRasterLayer,
        QgsSingleSymbolRenderer,
        QgsUnitTypes,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QRectF

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    project = QgsProject.instance()
    project.clear()
    patches = QgsVectorLayer(data["determination"], "patches", "ogr")
    if limit < patches.featureCount():
        patches.setSubsetString(f"fid <= {limit}")
    patches.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"color": "0,0,0,0", "outline_color": "255,0,0,255", "outline_width": "0.6", "outline_width_unit": "MM"})))
    epochs = [QgsRasterLayer(p, Path(p).stem, "gdal") for p in data["imagery"]]
    context = [QgsVectorLayer(uri, uri.split("layername=")[1], "ogr") for uri in data["context"]]
    for lyr in context:
        lyr.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
            {"color": "76,175,80,100", "outline_color": "27,126,36,255"})))
    project.addMapLayers([patches, *epochs, *context])

    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 page
    page = layout.pageCollection().page(0)
    page.setPageSize("A4", page.Portrait)

    def add_map(x, y, w, h, layers, margin):
        m = QgsLayoutItemMap(layout)
        m.attemptSetSceneRect(QRectF(x, y, w, h))
        m.setLayers(layers)
        m.setKeepLayerSet(True)
        m.setAtlasDriven(True)
        m.setAtlasScalingMode(QgsLayoutItemMap.Auto)
        m.setAtlasMargin(margin)
        m.setFrameEnabled(True)
        layout.addLayoutItem(m)
        return m

    maps = [add_map(26, 60, 76, 70, [patches, epochs[0]], 0.6), add_map(108, 60, 76, 70, [patches, epochs[-1]], 0.6),
            add_map(26, 140, 156, 78, [patches, *context, epochs[-1]], 4.0)]
    for m, text in zip(maps, ("前时相 2024-05-20", "后时相 2025-10-12", "位置示意图")):
        label = QgsLayoutItemLabel(layout)
        label.setText(text)
        label.attemptMove(QgsLayoutPoint(m.pos().x() + 2, m.pos().y() + 2, QgsUnitTypes.LayoutMillimeters))
        label.attemptResize(QgsLayoutSize(40, 6, QgsUnitTypes.LayoutMillimeters))
        layout.addLayoutItem(label)
        bar = QgsLayoutItemScaleBar(layout)
        bar.setStyle("Single Box")
        bar.setLinkedMap(m)
        bar.applyDefaultSize()
        bar.attemptMove(QgsLayoutPoint(m.pos().x() + 2, m.pos().y() + m.rect().height() - 12,
                                       QgsUnitTypes.LayoutMillimeters))
        layout.addLayoutItem(bar)
        north = QgsLayoutItemPicture(layout)
        north.setPicturePath("/usr/share/qgis/svg/arrows/NorthArrow_02.svg")
        north.setLinkedMap(m)
        north.attemptMove(QgsLayoutPoint(m.pos().x() + m.rect().width() - 12, m.pos().y() + 2,
                                         QgsUnitTypes.LayoutMillimeters))
        north.attemptResize(QgsLayoutSize(10, 10, QgsUnitTypes.LayoutMillimeters))
        layout.addLayoutItem(north)
    title = QgsLayoutItemLabel(layout)
    title.setText("规划认定意见书 [% \"patch_id\" %]")
    title.attemptMove(QgsLayoutPoint(26, 30, QgsUnitTypes.LayoutMillimeters))
    title.attemptResize(QgsLayoutSize(156, 10, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(title)

    atlas = layout.atlas()
    atlas.setCoverageLayer(patches)
    atlas.setEnabled(True)
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = DPI
    settings.rasterizeWholeImage = False
    t0 = time.perf_counter()
    result, error = QgsLayoutExporter.exportToPdf(atlas, str(out / "atlas.pdf"), settings)
    elapsed = time.perf_counter() - t0
    if result != QgsLayoutExporter.Success:
        raise RuntimeError(f"atlas export failed: {error}")
    n = patches.featureCount()
    project.clear()
    return {"features": n, "excerpts": 3 * n, "total_s": elapsed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patches", type=int, default=1000)
    ap.add_argument("--atlas", type=int, default=1000, help="features exported by the atlas (<= patches; 0 = skip)")
    ap.add_argument("--workers", type=int, default=max(1, min(8, os.cpu_count() or 1)),
                    help="PDF worker processes (0 = build PDFs in the main process); default one per core")
    args = ap.parse_args()

    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    data_dir = ROOT / "bench" / "data" / ("documents" if args.patches == 1000 else f"documents_{args.patches}")
    t = time.perf_counter()
    data = make_data(data_dir, args.patches)
    print(f"inputs: {args.patches} determinations, 2 epochs {SIZE_PX}x{SIZE_PX} px "
          f"({time.perf_counter() - t:.1f} s to prepare)")
    work = ROOT / "bench" / "results" / "documents_work"
    load_before = os.getloadavg()[0]
    ours = run_ours(data, work / "ours", args.workers)
    ours["load_average_before"] = load_before
    per_pair = ours["total_s"] / ours["patches"]
    print(f"ours:  {ours['reports']} reports ({ours['report_pages']} pages) + {ours['notices']} notices "
          f"({ours['notice_pages']} pages), merged PDFs and index: {ours['total_s']:.1f} s "
          f"({per_pair * 1000:.1f} ms per determination; workers={args.workers}, cores={os.cpu_count()}; "
          f"CPU {ours['cpu_s']:.1f} s, load average before {load_before:.2f})")
    our_excerpt = ours["maps_only_s"] / ours["excerpts"]
    def phases(timings: dict) -> str:
        return ", ".join(f"{k} {v:.1f}" for k, v in timings.items())

    print(f"ours:  map excerpts alone: {ours['excerpts']} in {ours['maps_only_s']:.1f} s "
          f"({our_excerpt * 1000:.2f} ms each)")
    print(f"ours:  reports {ours['reports_s']:.1f} s ({phases(ours['reports_timings_s'])}), "
          f"notices {ours['notices_s']:.1f} s ({phases(ours['notices_timings_s'])})")
    print("ours:  CPU ms per patch, one process: " + phases(ours["cpu_ms_per_patch_one_process"]))
    target = ours["total_s"] * 1000 / ours["patches"] < 120
    print(f"target 1,000 pairs < 2 min: {'met' if target else 'NOT met'} "
          f"({ours['total_s'] * 1000 / ours['patches']:.0f} s per 1,000)")
    if args.atlas <= 0:
        return
    atlas = run_atlas(data, work / "atlas", min(args.atlas, args.patches))
    atlas_excerpt = atlas["total_s"] / atlas["excerpts"]
    print(f"atlas: {atlas['features']} pages with 3 maps each: {atlas['total_s']:.1f} s "
          f"({atlas_excerpt * 1000:.2f} ms per excerpt)")
    ours_full_excerpt = ours["reports_s"] / ours["excerpts"]
    ratio_maps = atlas_excerpt / our_excerpt
    ratio_full = atlas_excerpt / ours_full_excerpt
    print(f"ratio: atlas / ours per map excerpt = {ratio_maps:.1f}x (maps alone), "
          f"{ratio_full:.1f}x (whole report PDFs incl. tables and text vs atlas maps-only pages)")
    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.platform(),
        "cores": os.cpu_count(), "workers": args.workers, "ours": ours, "atlas": atlas,
        "ours_ms_per_excerpt_maps_only": our_excerpt * 1000, "ours_ms_per_excerpt_in_reports": ours_full_excerpt * 1000,
        "atlas_ms_per_excerpt": atlas_excerpt * 1000, "ratio_maps_only": ratio_maps, "ratio_full": ratio_full,
    }
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "documents.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    app.exitQgis()


if __name__ == "__main__":
    main()
