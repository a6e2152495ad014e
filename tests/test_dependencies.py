"""Packages beyond QGIS: the vendored ones are taken from the ZIP only where QGIS's Python lacks them; a
missing native one is named once, in Chinese, and disables only the algorithms that need it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import shapely

from liangwei.liangwei_plugin import dependencies
from liangwei.liangwei_plugin.vector_io import write_vector

ROOT = Path(__file__).resolve().parent.parent
X0, Y0 = 39_500_000.0, 2_800_000.0

# Makes a module look absent in the Python that qgis_process embeds (sitecustomize runs at start-up).
BLOCKER = """
import sys
BLOCKED = {blocked!r}
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Blocker())
"""


def _qgis_process(args: list[str], tmp_path: Path, blocked: tuple[str, ...]) -> subprocess.CompletedProcess:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=blocked), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(tmp_path / "config")
    return subprocess.run([str(ROOT / "bin" / "qgis-process"), *args], env=env, capture_output=True, text=True,
                          timeout=300)


def _small_county(folder: Path) -> dict:
    patches = gpd.GeoDataFrame({"JCBH": ["350521202600001"], "XZQMC": ["城关镇"]},
                               geometry=[shapely.box(X0, Y0, X0 + 40, Y0 + 30)], crs="EPSG:4527")
    landuse = gpd.GeoDataFrame({"DLBM": ["0101"], "DLMC": ["水田"], "ZLDWDM": ["350521100001"], "ZLDWMC": ["甲村"]},
                               geometry=[shapely.box(X0 - 100, Y0 - 100, X0 + 100, Y0 + 100)], crs="EPSG:4527")
    write_vector(patches, folder / "patches.gpkg", layer="卫片图斑")
    write_vector(landuse, folder / "county.gpkg", layer="三调地类图斑")
    return {"patches": f"{folder / 'patches.gpkg'}|layername=卫片图斑",
            "landuse": f"{folder / 'county.gpkg'}|layername=三调地类图斑"}


def test_missing_native_package_disables_only_what_needs_it(tmp_path):
    """Without Pillow (reportlab needs it) the documents are refused with one Chinese message naming the
    package, while the overlay check still runs and gives the hand-worked area (40 m × 30 m)."""
    county = _small_county(tmp_path)
    ok = _qgis_process(["--json", "run", "liangwei:overlaycheck", "--", f"PATCHES={county['patches']}",
                        f"LANDUSE={county['landuse']}", "AREA_METHOD=1", f"OUTPUT={tmp_path / 'overlay.gpkg'}",
                        f"OUTPUT_DETAIL={tmp_path / 'detail.gpkg'}"], tmp_path, ("PIL",))
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    assert "Traceback" not in ok.stderr
    out = gpd.GeoDataFrame(json.loads(ok.stdout)["results"], index=[0])
    assert "OUTPUT" in out.columns
    from liangwei.liangwei_plugin.vector_io import read_vector

    overlay = read_vector(tmp_path / "overlay.gpkg")
    assert abs(overlay["area_m2"].iloc[0] - 1200.0) < 0.01  # planar: 40 × 30

    refused = _qgis_process(["run", "liangwei:exportreports", "--", f"INPUT={tmp_path / 'overlay.gpkg'}",
                             f"OUTPUT_FOLDER={tmp_path / 'reports'}"], tmp_path, ("PIL",))
    text = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "pillow" in text and "文书（PDF）输出暂不可用" in text
    assert "Traceback" not in text
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").glob("*.pdf"))


def test_plugin_loads_without_geopandas(tmp_path):
    """With a core package missing, the plugin still loads: the case register keeps working, the algorithms
    that are built on the package are left out, and the message names it once."""
    listing = _qgis_process(["list"], tmp_path, ("geopandas",))
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert "liangwei:registercases" in listing.stdout and "liangwei:exportledger" in listing.stdout
    assert "liangwei:overlaycheck" not in listing.stdout


def test_missing_package_named_once(monkeypatch, caplog):
    real = dependencies._installed_version
    monkeypatch.setattr(dependencies, "_installed_version",
                        lambda req: "0.12.2" if req.module == "geopandas" else real(req))
    monkeypatch.setattr(dependencies, "_warned", False)
    message = dependencies.missing_message(("core",))
    assert "geopandas（需要 1.0 或更新版本）" in message and "叠加分析、规划认定等功能暂不可用" in message
    assert "pip install geopandas>=1.0" in message
    assert dependencies.missing_message(("ledger",)) is None  # the ledger needs no geopandas
    with caplog.at_level("WARNING", logger="liangwei"):
        dependencies.warn_missing_once()
        dependencies.warn_missing_once()
    assert sum("geopandas" in r.getMessage() for r in caplog.records) == 1


def test_vendored_package_used_only_where_missing(tmp_path, monkeypatch):
    """activate_vendored() leaves a package QGIS's Python has alone and adds the ZIP's copy of a missing one."""
    vendor = tmp_path / "_vendor"
    (vendor / "tomli" / "tomli").mkdir(parents=True)
    (vendor / "tomli" / "tomli" / "__init__.py").write_text("__version__ = '9.9'\n")
    (vendor / "reportlab" / "reportlab").mkdir(parents=True)
    monkeypatch.setattr(dependencies, "VENDOR_DIR", vendor)
    monkeypatch.setattr(dependencies, "vendored_requirements",
                        lambda: [r for r in dependencies.REQUIREMENTS if r.module == "reportlab"]
                        + [dependencies.TOMLI])
    monkeypatch.setattr(sys, "path", list(sys.path))
    import importlib.util

    have_tomli = importlib.util.find_spec("tomli") is not None
    taken = dependencies.activate_vendored()
    assert "reportlab" not in taken  # the .venv has reportlab 4: the ZIP's copy stays unused
    assert ("tomli" in taken) == (not have_tomli)
    assert dependencies.activate_vendored() == []  # idempotent


def test_distribution_build_without_version_counts_as_present():
    shapely_req = next(r for r in dependencies.REQUIREMENTS if r.module == "shapely")
    assert dependencies._usable("0+unknown", shapely_req)  # Debian unstable's python3-shapely
    assert not dependencies._usable("1.8.5", shapely_req)
    assert dependencies._usable("2.0.7", shapely_req)
