"""The sample county: liangwei:overlaycheck against QGIS's own native:intersection + ellipsoidal
QgsDistanceArea, per patch and class, to 0.01 m².

Uses sample/ when `make sample` has run (or $LIANGWEI_SAMPLE_DIR), else generates the county with the same
generator into a temporary folder (about a minute; CI runs `make test` without `make sample`).
"""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

from test_overlaycheck_alg import run

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
# 饮用水水源保护区 is stored in EPSG:4490: both tools reproject it to the patches' EPSG:4527
PROTECTED = ("生态保护红线", "永久基本农田", "城镇开发边界", "自然保护地", "饮用水水源保护区", "林地")


@pytest.fixture(scope="session")
def sample_county(tmp_path_factory):
    """sample/ when `make sample` has run, else a fresh one (same generator) in a temp folder."""
    for existing in (os.environ.get("LIANGWEI_SAMPLE_DIR"), ROOT / "sample"):
        if existing and (Path(existing) / "county.gpkg").exists() and (Path(existing) / "catalogue.toml").exists():
            return Path(existing)
    try:
        from liangwei.liangwei_plugin.sample_county import generate_sample_county
    except ImportError:
        pytest.skip("no sample county generator")
    out = tmp_path_factory.mktemp("sample")
    generate_sample_county(out)
    return out


def _qgis_reference(patches_uri, ref_uri, class_field, id_field="JCBH"):
    """Per (patch id, class) ellipsoidal areas from native:intersection + QgsDistanceArea (GRS80 = EPSG:7019)."""
    import processing
    from qgis.core import QgsDistanceArea, QgsFeatureRequest, QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    context.setInvalidGeometryCheck(QgsFeatureRequest.GeometrySkipInvalid)  # compared on valid patches only
    inter = processing.run("native:intersection", {
        "INPUT": patches_uri, "OVERLAY": ref_uri,
        "INPUT_FIELDS": [id_field], "OVERLAY_FIELDS": [class_field] if class_field else [],
        "OUTPUT": "memory:"}, context=context, feedback=QgsProcessingFeedback())["OUTPUT"]
    da = QgsDistanceArea()
    da.setSourceCrs(inter.crs(), QgsProject.instance().transformContext())
    da.setEllipsoid("EPSG:7019")
    assert da.willUseEllipsoid()
    out = defaultdict(float)
    for f in inter.getFeatures():
        key = (str(f[id_field]), str(f[class_field]) if class_field else "")
        out[key] += da.measureArea(f.geometry())
    return out, inter


def test_sample_county_matches_qgis_native_intersection(liangwei_provider, sample_county):
    from qgis.core import QgsVectorLayer

    county = sample_county / "county.gpkg"
    patches_uri = f"{sample_county / 'patches.gpkg'}|layername=卫片图斑"
    patches = QgsVectorLayer(patches_uri, "卫片图斑", "ogr")
    # QGIS's intersection needs valid input: compare on the patches whose geometry is valid
    valid_ids = {str(f["JCBH"]) for f in patches.getFeatures() if f.hasGeometry() and f.geometry().isGeosValid()}
    res = run({"PATCHES": patches_uri, "LANDUSE": f"{county}|layername=三调地类图斑",
               "PROTECTED": [f"{county}|layername={name}" for name in PROTECTED],
               "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    assert res["OUTPUT"].featureCount() == patches.featureCount()
    ours = defaultdict(float)
    for f in res["OUTPUT_DETAIL"].getFeatures():
        ours[(f["patch_id"], f["layer"], f["class_code"])] += f["area_m2"]

    ref_lu, _ = _qgis_reference(patches_uri, f"{county}|layername=三调地类图斑", "DLBM")
    compared = 0
    for (pid, code), area in ref_lu.items():
        if pid not in valid_ids or area < 1e-6:
            continue
        assert ours.get((pid, "三调地类图斑", code), 0.0) == pytest.approx(area, abs=0.01), (pid, code)
        compared += 1
    for (pid, layer, code), area in ours.items():
        if layer == "三调地类图斑" and pid in valid_ids:
            assert ref_lu.get((pid, code), 0.0) == pytest.approx(area, abs=0.01), (pid, code)
    assert compared > 50
    diffs = [abs(ours.get((pid, "三调地类图斑", code), 0.0) - a)
             for (pid, code), a in ref_lu.items() if pid in valid_ids]
    print(f"\nsample county: {compared} patch x class areas compared, max |engine - QGIS| = {max(diffs):.2e} m2")
    # protected layers: the layer as a whole per patch
    out_rows = {f["patch_id"]: f for f in res["OUTPUT"].getFeatures()}
    for layer in PROTECTED:
        ref, _ = _qgis_reference(patches_uri, f"{county}|layername={layer}", None)
        per_patch = defaultdict(float)
        for (pid, _), a in ref.items():
            per_patch[pid] += a
        for pid in valid_ids:
            assert out_rows[pid][f"{layer}_m2"] == pytest.approx(per_patch.get(pid, 0.0), abs=0.01), (layer, pid)


