"""The review algorithms chained in a Processing model (图形化建模): overlaycheck → determine →
farmlandratio, the way a bureau builds its own model in the Model Designer, run in-process and
saved as a .model3 file that qgis_process runs too; and run from the toolbox, outputs loaded into the
project with the shipped styles."""
from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from liangwei.liangwei_plugin.vector_io import write_vector  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
X0, Y0 = 39_501_000.0, 2_800_000.0


def rect(x1, y1, x2, y2):
    return shapely.box(x1 + X0, y1 + Y0, x2 + X0, y2 + Y0)


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> dict:
    """Two 耕地 parcels and a red line; P1 (40 × 40 m) lies in the red line on 0101, P2 (60 × 60 m) on
    0103 with an approval number (批准文号), both in township 350521100."""
    d = tmp_path_factory.mktemp("model_county")
    gpkg = d / "county.gpkg"
    gpd.GeoDataFrame({"BSM": ["A", "B"], "DLBM": ["0101", "0103"], "ZLDWDM": ["350521100001", "350521100002"],
                      "ZLDWMC": ["甲村", "乙村"]},
                     geometry=[rect(0, 0, 100, 100), rect(100, 0, 200, 100)], crs="EPSG:4527",
                     ).pipe(write_vector, gpkg, layer="三调地类图斑")
    gpd.GeoDataFrame({"MC": ["红线"]}, geometry=[rect(0, 0, 60, 100)], crs="EPSG:4527",
                     ).pipe(write_vector, gpkg, layer="生态保护红线")
    patches = d / "patches.gpkg"
    gpd.GeoDataFrame({"JCBH": ["P1", "P2"], "XZQDM": ["350521100", "350521100"], "XZQMC": ["城关镇", "城关镇"],
                      "TBLX": ["新增建设用地", "新增建设用地"], "PZWH": ["", "云政地〔2025〕7号"]},
                     geometry=[rect(10, 10, 50, 50), rect(120, 20, 180, 80)], crs="EPSG:4527",
                     ).pipe(write_vector, patches, layer="卫片图斑")
    return {"landuse": f"{gpkg}|layername=三调地类图斑", "redline": f"{gpkg}|layername=生态保护红线",
            "patches": f"{patches}|layername=卫片图斑", "dir": d}


def build_model():
    from qgis.core import (
        QgsApplication,
        QgsProcessing,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterVectorLayer,
    )
    from qgis.core import QgsProcessingModelChildParameterSource as Source

    model = QgsProcessingModelAlgorithm("两违审查（测试模型）", "liangwei")
    for name in ("patches", "landuse", "redline"):
        model.addModelParameter(QgsProcessingParameterVectorLayer(name, name, [QgsProcessing.TypeVectorPolygon]),
                                QgsProcessingModelParameter(name))

    def child(alg_id: str, child_id: str, sources: dict, outputs: dict) -> None:
        c = QgsProcessingModelChildAlgorithm(alg_id)
        c.setChildId(child_id)
        for param, source in sources.items():
            c.addParameterSources(param, [source])
        # As the Model Designer does: the other inputs keep the algorithm's defaults.
        for definition in QgsApplication.processingRegistry().algorithmById(alg_id).parameterDefinitions():
            if (definition.name() not in sources and not definition.isDestination()
                    and definition.defaultValue() is not None):
                c.addParameterSources(definition.name(), [Source.fromStaticValue(definition.defaultValue())])
        model_outputs = {}
        for model_name, child_output in outputs.items():
            out = QgsProcessingModelOutput(model_name)
            out.setChildId(child_id)
            out.setChildOutputName(child_output)
            model_outputs[model_name] = out
        c.setModelOutputs(model_outputs)
        model.addChildAlgorithm(c)

    child("liangwei:overlaycheck", "overlay",
          {"PATCHES": Source.fromModelParameter("patches"), "LANDUSE": Source.fromModelParameter("landuse"),
           "PROTECTED": Source.fromModelParameter("redline"), "AREA_METHOD": Source.fromStaticValue(1)}, {})
    child("liangwei:determine", "determine", {"INPUT": Source.fromChildOutput("overlay", "OUTPUT")},
          {"determined": "OUTPUT"})
    child("liangwei:farmlandratio", "ratio", {"INPUT": Source.fromChildOutput("determine", "OUTPUT")},
          {"ratio": "OUTPUT"})
    return model


def check_outputs(determined: str, ratio_csv: str) -> None:
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(determined, "determined", "ogr")
    assert layer.isValid() and layer.featureCount() == 2
    rows = {f["patch_id"]: f for f in layer.getFeatures()}
    # P1: 1600 m² of 0101 inside the red line → 无法采取改正措施; P2: approved → not a violation.
    assert rows["P1"]["farmland_m2"] == pytest.approx(1600.0, abs=0.01)
    assert rows["P1"]["violation"] == 1 and rows["P1"]["rule_id"] == "R02"
    assert rows["P1"]["determination_code"] == "uncorrectable"
    assert rows["P2"]["farmland_m2"] == pytest.approx(3600.0, abs=0.01)
    assert rows["P2"]["violation"] == 0 and rows["P2"]["determination_code"] == "not_violation"
    with open(ratio_csv, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    town = next(r for r in table if r["township_name"] == "城关镇")
    assert float(town["farmland_new_m2"]) == pytest.approx(5200.0, abs=0.01)
    assert float(town["farmland_illegal_m2"]) == pytest.approx(1600.0, abs=0.01)
    assert float(town["ratio_pct"]) == pytest.approx(1600 / 5200 * 100, abs=1e-6)   # 30.77 % > 15 %
    assert int(town["over_threshold"]) == 1


def test_review_chain_in_a_model(liangwei_provider, county, tmp_path):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    model = build_model()
    ok, errors = model.validate()
    assert ok, errors
    determined, ratio = str(tmp_path / "determined.gpkg"), str(tmp_path / "ratio.csv")
    res = processing.run(model, {"patches": county["patches"], "landuse": county["landuse"],
                                 "redline": county["redline"], "determine:determined": determined,
                                 "ratio:ratio": ratio},
                         context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    assert Path(res["ratio:ratio"]).exists()
    check_outputs(res["determine:determined"], res["ratio:ratio"])


def test_saved_model_runs_in_qgis_process(liangwei_provider, county, tmp_path):
    model_file = tmp_path / "两违审查.model3"
    assert build_model().toFile(str(model_file))
    determined, ratio = tmp_path / "determined.gpkg", tmp_path / "ratio.csv"
    run = subprocess.run(
        [str(ROOT / "bin" / "qgis-process"), "run", str(model_file), "--",
         f"patches={county['patches']}", f"landuse={county['landuse']}", f"redline={county['redline']}",
         f"determine:determined={determined}", f"ratio:ratio={ratio}"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    check_outputs(str(determined), str(ratio))


def test_outputs_loaded_with_shipped_styles(liangwei_provider, county, qgis_new_project, qgis_iface, monkeypatch):
    """Run from the toolbox (outputs loaded into the project), the patches are outlined and the
    determinations coloured by result, not drawn with a random solid fill."""
    import processing
    from qgis.gui import QgsLayerTreeView

    # QGIS 3.40's result loading asks the interface for its layer tree view, which pytest-qgis's stand-in
    # interface lacks: give it a real (empty) one
    view = QgsLayerTreeView()
    monkeypatch.setattr(qgis_iface, "layerTreeView", lambda: view, raising=False)
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import Qt

    overlay = processing.runAndLoadResults("liangwei:overlaycheck", {
        "PATCHES": county["patches"], "LANDUSE": county["landuse"], "PROTECTED": [county["redline"]],
        "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_DETAIL": "TEMPORARY_OUTPUT"})
    determined = processing.runAndLoadResults("liangwei:determine", {
        "INPUT": overlay["OUTPUT"], "OUTPUT": "TEMPORARY_OUTPUT"})
    project = QgsProject.instance()
    overlay_layer = project.mapLayer(overlay["OUTPUT"])
    # overlay.qml: by protected occupation and 耕地 share, light fills so the imagery shows through
    renderer = overlay_layer.renderer()
    assert renderer.type() == "RuleRenderer"
    assert [r.label() for r in renderer.rootRule().children()][:2] == ["占用保护区", "占用耕地 ≥ 50%"]
    for rule in renderer.rootRule().children():
        for layer in rule.symbol().symbolLayers():
            assert layer.layerType() != "SimpleFill" or layer.brushStyle() == Qt.NoBrush or layer.color().alpha() <= 80
    # results in the one map's group of patches, not loose on top of the tree
    assert project.layerTreeRoot().findLayer(overlay_layer.id()).parent().name() == "监测图斑"
    renderer = project.mapLayer(determined["OUTPUT"]).renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "determination_code"
    values = {c.value() for c in renderer.categories()}
    assert {"uncorrectable", "correctable", "not_violation"} <= values
