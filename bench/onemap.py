"""Benchmark: open the sample county's one map and render it (full extent, 1200 x 900).

    source scripts/env.sh && .venv/bin/python bench/onemap.py [SAMPLE_DIR] [--runs N] [--png out.png]

Builds ``bench/results/onemap.qgz`` from ``SAMPLE_DIR/catalogue.toml`` (default ``sample/``, made by
``make sample``), then times, per run, in a fresh QgsProject: reading the project and rendering
all visible layers at the project's full extent with QgsMapRendererParallelJob.  The first run is
"cold" (file caches as the OS has them), the others warm; the median is what the README quotes.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build" / "plugins"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", nargs="?", default=str(ROOT / "sample"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--png", default=None, help="save the last rendered image here")
    parser.add_argument("--all-layers", action="store_true",
                        help="render every layer, also those unticked on opening "
                             "(land use, planning zones, older epochs)")
    args = parser.parse_args()

    from qgis.core import QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    app = QgsApplication([], False)
    app.initQgis()
    try:
        from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

        sample = Path(args.sample)
        t0 = time.perf_counter()
        results = ROOT / "bench" / "results"
        results.mkdir(parents=True, exist_ok=True)
        qgz = write_onemap_project(sample / "catalogue.toml", results / "onemap.qgz")
        build_s = time.perf_counter() - t0

        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            project = QgsProject()
            if not project.read(str(qgz)):
                print(f"cannot read {qgz}: {project.error()}", file=sys.stderr)
                return 1
            t_open = time.perf_counter() - t0
            layers = [n.layer() for n in project.layerTreeRoot().findLayers() if args.all_layers or n.isVisible()]
            settings = QgsMapSettings()
            settings.setLayers(layers)
            settings.setDestinationCrs(project.crs())
            settings.setTransformContext(project.transformContext())
            settings.setEllipsoid(project.ellipsoid())
            extent = project.viewSettings().defaultViewExtent()
            settings.setExtent(QgsRectangle(extent) if not extent.isNull() else layers[-1].extent())
            settings.setOutputSize(QSize(1200, 900))
            settings.setOutputDpi(96)
            settings.setBackgroundColor(QColor("white"))
            job = QgsMapRendererParallelJob(settings)
            job.start()
            job.waitForFinished()
            image = job.renderedImage()
            total = time.perf_counter() - t0
            runs.append({"open_s": round(t_open, 3), "render_s": round(total - t_open, 3), "total_s": round(total, 3),
                         "layers": len(layers), "errors": len(job.errors())})
            if args.png:
                image.save(args.png)
            project.clear()
        result = {
            "qgz": str(qgz), "layers": "all" if args.all_layers else "ticked on opening",
            "build_s": round(build_s, 3), "runs": runs,
            "median_total_s": round(statistics.median(r["total_s"] for r in runs), 3),
            "max_total_s": round(max(r["total_s"] for r in runs), 3),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
