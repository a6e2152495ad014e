"""One map (一张图): catalogue -> .qgz with groups, order, standard styles, epochs, relative paths.

Expected values come from the test's own data (what it wrote with OGR/GDAL) and from the colour
table file, never from the built project itself.
"""
from __future__ import annotations

import shutil
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from liangwei.liangwei_plugin.paths import resource

GROUPS_TOP_DOWN = ["案件台账", "监测图斑", "保护区", "规划分区", "土地利用现状", "影像时相"]
STAGES = ["发现报告", "快速认定", "拆除整治", "监督检查", "办结"]
# land-use codes written into the test data: standard, 三调 working codes, and two unknown
# second-level codes (0199, 11ZZ) that must fall back to their first-level colour.
LANDUSE_CODES = ["0101", "0102", "0103", "0301", "0702", "05H1", "08H1", "1001A", "1104A", "1101", "0199", "11ZZ"]
EPOCHS = [("2024-05-01", (40, 160, 60)), ("2025-06-10", (200, 60, 50)), ("2023-04-15", (60, 60, 200))]
X0, Y0 = 39_470_000.0, 2_740_000.0


def _srs(epsg: int) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _box(x0, y0, x1, y1) -> str:
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def _write_layer(path: Path, name: str, rows: list[tuple[str, dict]], epsg: int = 4527,
                 geom_type=ogr.wkbPolygon, int_fields: tuple[str, ...] = ()) -> None:
    drv = ogr.GetDriverByName("GPKG")
    ds = drv.Open(str(path), 1) if path.exists() else drv.CreateDataSource(str(path))
    lyr = ds.CreateLayer(name, _srs(epsg), geom_type, options=["GEOMETRY_NAME=geom"])
    fields = list(rows[0][1]) if rows else []
    for f in fields:
        lyr.CreateField(ogr.FieldDefn(f, ogr.OFTInteger if f in int_fields else ogr.OFTString))
    for wkt, attrs in rows:
        feat = ogr.Feature(lyr.GetLayerDefn())
        for k, v in attrs.items():
            feat.SetField(k, v)
        if wkt:
            feat.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        lyr.CreateFeature(feat)
    ds = None


def _write_epoch(path: Path, rgb: tuple[int, int, int]) -> None:
    """A 400 x 300 px RGB GeoTIFF at 10 m over the test county, one colour plus a pattern."""
    w, h = 400, 300
    ds = gdal.GetDriverByName("GTiff").Create(str(path), w, h, 3, gdal.GDT_Byte)
    ds.SetGeoTransform((X0, 10.0, 0, Y0 + h * 10.0, 0, -10.0))
    ds.SetProjection(_srs(4527).ExportToWkt())
    yy, xx = np.mgrid[0:h, 0:w]
    pattern = (((xx // 25) + (yy // 25)) % 2 * 30).astype(np.int16)
    for band, value in enumerate(rgb, start=1):
        ds.GetRasterBand(band).WriteArray(np.clip(value + pattern, 0, 255).astype(np.uint8))
    ds = None


def make_small_county(folder: Path) -> Path:
    """A small county with every role; returns its catalogue.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    county = folder / "data" / "county.gpkg"
    county.parent.mkdir()
    _write_layer(county, "乡镇界线", [
        (_box(X0, Y0, X0 + 2000, Y0 + 3000), {"XZQDM": "350627100", "XZQMC": "城关镇"}),
        (_box(X0 + 2000, Y0, X0 + 4000, Y0 + 3000), {"XZQDM": "350627101", "XZQMC": "溪口镇"}),
    ])
    parcels = []
    for i, code in enumerate(LANDUSE_CODES * 2):
        x = X0 + (i % 8) * 500
        y = Y0 + (i // 8) * 1000
        parcels.append((_box(x, y, x + 500, y + 1000), {"BSM": str(i), "DLBM": code, "DLMC": "", "ZLDWMC": "城关镇"}))
    _write_layer(county, "三调地类图斑", parcels)
    _write_layer(county, "规划分区", [
        (_box(X0, Y0, X0 + 2000, Y0 + 1500), {"GHFQDM": "01", "GHFQMC": "生态保护区"}),
        (_box(X0 + 2000, Y0, X0 + 4000, Y0 + 1500), {"GHFQDM": "05", "GHFQMC": "城镇发展区"}),
        (_box(X0, Y0 + 1500, X0 + 4000, Y0 + 3000), {"GHFQDM": "99", "GHFQMC": "自定分区"}),
    ])
    _write_layer(county, "生态保护红线", [(_box(X0, Y0 + 2000, X0 + 800, Y0 + 3000), {"MC": "红线"})])
    _write_layer(county, "永久基本农田", [(_box(X0 + 1000, Y0, X0 + 1800, Y0 + 800), {"MC": "基本农田"})])
    _write_layer(county, "城镇开发边界", [(_box(X0 + 2500, Y0 + 200, X0 + 3500, Y0 + 1200), {"MC": "城关"})])
    _write_layer(county, "自然保护地", [(_box(X0 + 100, Y0 + 2100, X0 + 600, Y0 + 2900), {"MC": "云溪保护区", "JB": "省级"})])
    # stored in geographic CGCS2000, as bureaus receive it
    _write_layer(county, "饮用水水源保护区",
                 [("POLYGON((116.70 24.77,116.705 24.77,116.705 24.775,116.70 24.775,116.70 24.77))",
                   {"MC": "一级保护区", "JB": "一级"})], epsg=4490)
    patches = folder / "data" / "patches.gpkg"
    _write_layer(patches, "卫片图斑", [
        (_box(X0 + 300 + 400 * i, Y0 + 300, X0 + 400 + 400 * i, Y0 + 380), {"JCBH": f"3506272025{i:04d}", "XZQMC": "城关镇"})
        for i in range(6)
    ])
    register = folder / "data" / "register.gpkg"
    _write_layer(register, "cases", [
        (f"POINT({X0 + 350 + 400 * i} {Y0 + 340})", {"patch_id": f"3506272025{i:04d}", "stage": stage, "overdue": i % 2})
        for i, stage in enumerate(STAGES + ["退回"])
    ], geom_type=ogr.wkbPoint, int_fields=("overdue",))
    imagery = folder / "imagery"
    imagery.mkdir()
    for date, rgb in EPOCHS:
        _write_epoch(imagery / f"epoch_{date.replace('-', '')}.tif", rgb)

    epoch_entries = "".join(
        f'\n[[layer]]\nrole = "imagery"\npath = "imagery/epoch_{d.replace("-", "")}.tif"\nname = "影像 {d}"\ndate = {d}\n'
        for d, _rgb in EPOCHS)
    catalogue = folder / "catalogue.toml"
    catalogue.write_text(f"""# test county one map
[[layer]]
role = "boundary"
path = "data/county.gpkg|layername=乡镇界线"

[[layer]]
role = "landuse"
path = "data/county.gpkg|layername=三调地类图斑"
code_field = "DLBM"

[[layer]]
role = "planning"
path = "data/county.gpkg|layername=规划分区"
code_field = "GHFQDM"

[[layer]]
role = "planning"
path = "data/county.gpkg|layername=生态保护红线"

[[layer]]
role = "planning"
path = "data/county.gpkg|layername=永久基本农田"

[[layer]]
role = "planning"
path = "data/county.gpkg|layername=城镇开发边界"

[[layer]]
role = "protected"
path = "data/county.gpkg|layername=自然保护地"

[[layer]]
role = "protected"
path = "data/county.gpkg|layername=饮用水水源保护区"

[[layer]]
role = "patches"
path = "data/patches.gpkg|layername=卫片图斑"
name = "卫片图斑"

[[layer]]
role = "register"
path = "data/register.gpkg|layername=cases"
name = "案件台账"
{epoch_entries}""", encoding="utf-8")
    return catalogue


def _colours() -> dict:
    with open(resource("styles", "onemap_styles.toml"), "rb") as f:
        return tomllib.load(f)


def _open(qgz: Path):
    from qgis.core import QgsProject

    project = QgsProject()
    assert project.read(str(qgz)), project.error()
    return project


def _distinct(source: str, field: str) -> set[str]:
    path, layername = source.split("|layername=")
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(layername)
    return {f.GetField(field) for f in lyr}


@pytest.fixture(scope="module")
def small_county(tmp_path_factory) -> Path:
    return make_small_county(tmp_path_factory.mktemp("county") / "一张图")


@pytest.fixture(scope="module")
def built(small_county, qgis_app) -> Path:
    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    return write_onemap_project(small_county, small_county.parent / "onemap.qgz")


def test_processing_algorithm_writes_the_project(small_county, liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsLayerTreeGroup

    out = tmp_path / "一张图.qgz"
    result = processing.run("liangwei:buildonemap", {"CATALOGUE": str(small_county), "OUTPUT": str(out)})
    assert Path(result["OUTPUT"]) == out and out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind
    project = _open(out)
    groups = [c.name() for c in project.layerTreeRoot().children() if isinstance(c, QgsLayerTreeGroup)]
    assert groups == GROUPS_TOP_DOWN
    assert all(lyr.isValid() for lyr in project.mapLayers().values())


def test_groups_in_fixed_order_boundary_on_top(built):
    from qgis.core import QgsLayerTreeGroup, QgsLayerTreeLayer

    project = _open(built)
    root = project.layerTreeRoot()
    children = root.children()
    assert isinstance(children[0], QgsLayerTreeLayer) and children[0].name() == "乡镇界线"
    groups = [c.name() for c in children if isinstance(c, QgsLayerTreeGroup)]
    assert groups == GROUPS_TOP_DOWN
    names = {g: [n.name() for n in root.findGroup(g).findLayers()] for g in groups}
    assert names["案件台账"] == ["案件台账"]
    assert names["监测图斑"] == ["卫片图斑"]
    assert names["保护区"] == ["自然保护地", "饮用水水源保护区"]
    assert names["规划分区"] == ["规划分区", "生态保护红线", "永久基本农田", "城镇开发边界"]
    assert names["土地利用现状"] == ["三调地类图斑"]
    # full-cover fills start unticked so the imagery shows; everything else is ticked
    hidden = {n.name() for n in root.findLayers() if not n.itemVisibilityChecked()}
    assert hidden == {"三调地类图斑", "规划分区", f"影像 {min(d for d, _ in EPOCHS)}"}


def test_every_layer_valid(built):
    project = _open(built)
    layers = list(project.mapLayers().values())
    assert len(layers) == 10 + len(EPOCHS)
    assert all(layer.isValid() for layer in layers), [lyr.name() for lyr in layers if not lyr.isValid()]
    assert project.crs().authid() == "EPSG:4527"


def test_epochs_newest_on_top_two_visible(built):
    project = _open(built)
    root = project.layerTreeRoot()
    nodes = root.findGroup("影像时相").findLayers()
    expected = [f"影像 {d}" for d, _ in sorted(EPOCHS, reverse=True)]
    assert [n.name() for n in nodes] == expected
    assert [n.itemVisibilityChecked() for n in nodes] == [True, True, False]
    assert [n.layer().customProperty("liangwei/date") for n in nodes] == [d for d, _ in sorted(EPOCHS, reverse=True)]


def test_landuse_categories_cover_every_code_with_standard_colours(built, small_county):
    from qgis.core import QgsCategorizedSymbolRenderer

    project = _open(built)
    layer = project.mapLayersByName("三调地类图斑")[0]
    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "DLBM"
    colours = {str(c.value()): c.symbol().color().name() for c in renderer.categories()}
    present = _distinct(str(small_county.parent / "data" / "county.gpkg") + "|layername=三调地类图斑", "DLBM")
    assert present == set(LANDUSE_CODES)
    assert present <= set(colours)
    table = _colours()["landuse"]
    # standard and working codes keep their own colour, unknown second-level codes their first level's
    assert colours["0101"] == table["codes"]["0101"]
    assert colours["05H1"] == table["codes"]["05H1"]
    assert colours["1001A"] == table["codes"]["1001A"]
    assert colours["1104A"] == table["codes"]["1104A"]
    assert colours["0199"] == table["first_level"]["01"]
    assert colours["11ZZ"] == table["first_level"]["11"]
    # the legend lists exactly the codes present, plus the "all other values" category (last)
    assert set(colours) == present | {""}
    assert str(renderer.categories()[-1].value()) == "" and renderer.categories()[-1].label() == "其他"
    # 耕地 yellowish, 林地 green, 水域 blue (familiar 三调 colours)
    from qgis.PyQt.QtGui import QColor

    def hue(code):
        return QColor(colours[code]).hsvHue()
    assert 40 <= hue("0101") <= 65 and 90 <= hue("0301") <= 150 and 195 <= hue("1101") <= 225


def test_planning_and_protected_styles(built):
    from qgis.core import (
        QgsCategorizedSymbolRenderer,
        QgsLinePatternFillSymbolLayer,
        QgsPointPatternFillSymbolLayer,
        QgsSingleSymbolRenderer,
    )
    from qgis.PyQt.QtCore import Qt

    project = _open(built)
    zones = project.mapLayersByName("规划分区")[0].renderer()
    assert isinstance(zones, QgsCategorizedSymbolRenderer) and zones.classAttribute() == "GHFQDM"
    cats = {str(c.value()): c for c in zones.categories()}
    assert set(cats) == {"01", "05", "99", ""}
    table = dict(_colours()["planning_zones"]["names"])
    # coded zones are coloured by the zone name found in the same feature (GHFQMC)
    assert cats["01"].symbol().color().name() == table["生态保护区"]
    assert cats["05"].symbol().color().name() == table["城镇发展区"]
    assert "生态保护区" in cats["01"].label()

    def layers_of(name):
        renderer = project.mapLayersByName(name)[0].renderer()
        assert isinstance(renderer, QgsSingleSymbolRenderer)
        return [renderer.symbol().symbolLayer(i) for i in range(renderer.symbol().symbolLayerCount())]

    red = layers_of("生态保护红线")
    assert any(isinstance(s, QgsLinePatternFillSymbolLayer) for s in red)  # hatch
    assert any(isinstance(s, QgsLinePatternFillSymbolLayer) and s.color().hsvHue() in range(90, 150) for s in red)
    farm = layers_of("永久基本农田")
    assert any(isinstance(s, QgsLinePatternFillSymbolLayer) and s.color().hsvHue() in range(35, 60) for s in farm)
    urban = layers_of("城镇开发边界")
    assert not any(isinstance(s, QgsLinePatternFillSymbolLayer) for s in urban)
    assert any(s.color().hsvHue() in range(270, 310) and s.penStyle() == Qt.DashLine for s in urban)
    reserve = layers_of("自然保护地")
    assert any(isinstance(s, QgsPointPatternFillSymbolLayer) for s in reserve)
    water = layers_of("饮用水水源保护区")
    assert any(isinstance(s, QgsLinePatternFillSymbolLayer) and s.color().hsvHue() in range(190, 230) for s in water)


def test_patches_red_outline_labelled_with_jcbh(built):
    project = _open(built)
    layer = project.mapLayersByName("卫片图斑")[0]
    symbol = layer.renderer().symbol()
    outline = symbol.symbolLayer(symbol.symbolLayerCount() - 1)
    assert outline.color().name() == "#ff0000"
    settings = layer.labeling().settings()
    assert layer.labelsEnabled() and settings.isExpression and '"JCBH"' in settings.fieldName
    # labels by scale: the full 15-digit number only when zoomed in, its last 4 digits at township
    # scale, none beyond 1:25,000
    from qgis.core import QgsExpression, QgsExpressionContext, QgsExpressionContextScope

    feature = next(layer.getFeatures())
    full = str(feature["JCBH"])
    for scale, expected in ((2000, full), (10000, full[-4:])):
        context = QgsExpressionContext()
        scope = QgsExpressionContextScope()
        scope.setVariable("map_scale", scale)
        context.appendScope(scope)
        context.setFeature(feature)
        assert QgsExpression(settings.fieldName).evaluate(context) == expected, scale
    assert settings.scaleVisibility and settings.minimumScale == 25000
    # the label font is one installed here, so QGIS does not warn about a missing font on opening
    from qgis.PyQt.QtGui import QFontDatabase

    assert layer.labeling().settings().format().font().family() in QFontDatabase().families()


def test_register_symbols_by_stage_overdue_highlighted(built):
    from qgis.core import QgsRuleBasedRenderer

    project = _open(built)
    layer = project.mapLayersByName("案件台账")[0]
    renderer = layer.renderer()
    assert isinstance(renderer, QgsRuleBasedRenderer)
    stage_rule, overdue_rule = renderer.rootRule().children()
    assert [r.label() for r in stage_rule.children()][:5] == STAGES
    assert stage_rule.children()[-1].isElse()
    assert overdue_rule.label() == "逾期"
    # render the register alone: the centre of each case has its stage colour, overdue cases
    # (odd i in the test data) also get the red ring around it
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setOutputDpi(96)
    settings.setExtent(QgsRectangle(X0, Y0, X0 + 2800, Y0 + 700))
    settings.setOutputSize(QSize(1400, 350))  # 2 m per pixel
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    table = _colours()["register"]
    stage_colours = dict(table["stages"])
    ring_radius = int(round(6 / 2 / 25.4 * 96))  # 6 mm ring at 96 dpi
    for i, stage in enumerate(STAGES + ["退回"]):
        cx, cy = int((350 + 400 * i) / 2), int(350 - 340 / 2)
        centre = image.pixelColor(cx, cy).name()
        assert centre == stage_colours.get(stage, table["other"]), stage
        ring = [image.pixelColor(cx + dx, cy) for dx in range(ring_radius - 3, ring_radius + 3)]
        has_ring = any(abs(c.red() - 230) < 30 and c.green() < 60 and c.blue() < 60 for c in ring)
        assert has_ring == (i % 2 == 1), stage


def test_project_has_relative_paths_and_can_be_moved(built, small_county, tmp_path):
    with zipfile.ZipFile(built) as z:
        qgs = next(n for n in z.namelist() if n.endswith(".qgs"))
        text = z.read(qgs).decode("utf-8")
    assert str(small_county.parent) not in text
    assert "./data/county.gpkg" in text
    # build in a folder of its own, then move the whole folder: the project still finds every layer
    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    original = make_small_county(tmp_path / "县局" / "一张图")
    write_onemap_project(original, original.parent / "onemap.qgz")
    moved = tmp_path / "移交" / "一张图"
    moved.parent.mkdir()
    shutil.move(str(original.parent), str(moved))
    assert not original.parent.exists()
    project = _open(moved / "onemap.qgz")
    layers = list(project.mapLayers().values())
    assert len(layers) == 10 + len(EPOCHS) and all(lyr.isValid() for lyr in layers)
    assert all(lyr.source().startswith(str(moved)) for lyr in layers)


def test_renders_in_plain_qgis(built):
    """The project renders with stock QGIS classes (no plugin renderers): land use is drawn."""
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize

    project = _open(built)
    settings = QgsMapSettings()
    layer = project.mapLayersByName("三调地类图斑")[0]
    settings.setLayers([layer])
    settings.setDestinationCrs(project.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(400, 300))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 7) for y in range(0, 300, 7)}
    assert _colours()["landuse"]["codes"]["0101"] in colours


def test_build_into_open_project_reuses_groups(small_county, qgis_app):
    from qgis.core import QgsProject

    from liangwei.liangwei_plugin.onemap.project_builder import build_onemap

    project = QgsProject()
    project.layerTreeRoot().addGroup("监测图斑")
    result = build_onemap(small_county, project)
    groups = [g.name() for g in project.layerTreeRoot().children() if g.nodeType() == 0]
    assert sorted(groups) == sorted(GROUPS_TOP_DOWN)
    assert len(result.layers) == 10 + len(EPOCHS)
    assert set(result.added_categories[2]) == {"0199", "11ZZ"}


@pytest.mark.parametrize("entry, expected", [
    ('role = "landuse"\npath = "data/missing.gpkg|layername=x"\nname = "丢失的地类"', ["第2项", "丢失的地类", "文件不存在"]),
    ('role = "roads"\npath = "data/county.gpkg|layername=乡镇界线"\nname = "道路"', ["第2项", "道路", "未知的 role", "roads"]),
    ('role = "imagery"\npath = "imagery/epoch_20240501.tif"\nname = "无日期影像"', ["第2项", "无日期影像", "date"]),
    ('role = "imagery"\npath = "imagery/epoch_20240501.tif"\nname = "坏日期"\ndate = "2024/05/01"', ["第2项", "坏日期", "YYYY-MM-DD"]),
    ('role = "landuse"\npath = "data/county.gpkg|layername=三调地类图斑"\nname = "错字段"\ncode_field = "DLBMX"', ["第2项", "错字段", "DLBMX"]),
    ('role = "landuse"\npath = "data/county.gpkg|layername=不存在的图层"\nname = "缺图层"', ["第2项", "缺图层", "无法"]),
])
def test_bad_entries_named_in_message(small_county, qgis_app, entry, expected, tmp_path):
    from liangwei.liangwei_plugin.onemap.catalogue import CatalogueError
    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    bad = small_county.parent / f"bad_{tmp_path.name}.toml"
    bad.write_text('[[layer]]\nrole = "boundary"\npath = "data/county.gpkg|layername=乡镇界线"\n\n[[layer]]\n' + entry + "\n",
                   encoding="utf-8")
    out = tmp_path / "bad.qgz"
    with pytest.raises(CatalogueError) as info:
        write_onemap_project(bad, out)
    message = str(info.value)
    for word in expected:
        assert word in message
    assert "第1项" not in message
    assert not out.exists() and not list(tmp_path.glob("*.qgz"))


def test_processing_reports_bad_catalogue(small_county, liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    bad = tmp_path / "bad.toml"
    bad.write_text('[[layer]]\nrole = "wetland"\npath = "nowhere.gpkg"\nname = "湿地"\n', encoding="utf-8")
    with pytest.raises(QgsProcessingException) as info:
        processing.run("liangwei:buildonemap", {"CATALOGUE": str(bad), "OUTPUT": str(tmp_path / "x.qgz")})
    assert "第1项" in str(info.value) and "湿地" in str(info.value)


# -- the sample county ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_county(tmp_path_factory, qgis_app):
    """The sample county: ``sample/`` when `make sample` has completed, else generated into tmp."""
    made = Path(__file__).resolve().parent.parent / "sample"
    if (made / ".complete").exists() and (made / "catalogue.toml").exists():
        return made
    try:
        from liangwei.liangwei_plugin.sample_county import generate_sample_county
    except ImportError:
        pytest.skip("sample county generator not available")
    out = tmp_path_factory.mktemp("sample") / "sample"
    generate_sample_county(out, seed=2026)
    if not (out / "catalogue.toml").exists():
        pytest.skip("sample county has no catalogue.toml")
    return out


@pytest.mark.slow
def test_sample_county_one_map(sample_county, tmp_path):
    from qgis.core import QgsCategorizedSymbolRenderer, QgsLayerTreeGroup

    from liangwei.liangwei_plugin.onemap.catalogue import load_catalogue
    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    out = write_onemap_project(sample_county / "catalogue.toml", tmp_path / "onemap.qgz")
    project = _open(out)
    layers = list(project.mapLayers().values())
    assert len(layers) == len(load_catalogue(sample_county / "catalogue.toml").entries)
    assert all(lyr.isValid() for lyr in layers)
    root = project.layerTreeRoot()
    groups = [c.name() for c in root.children() if isinstance(c, QgsLayerTreeGroup)]
    assert groups == GROUPS_TOP_DOWN
    epochs = root.findGroup("影像时相").findLayers()
    dates = [n.layer().customProperty("liangwei/date") for n in epochs]
    assert len(dates) >= 2 and dates == sorted(dates, reverse=True)
    assert [n.itemVisibilityChecked() for n in epochs] == [i < 2 for i in range(len(epochs))]
    landuse = [lyr for lyr in layers if lyr.customProperty("liangwei/role") == "landuse"][0]
    renderer = landuse.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    present = _distinct(landuse.source(), renderer.classAttribute())
    assert present and present <= {str(c.value()) for c in renderer.categories()}


def test_register_as_table_or_polygons(tmp_path, qgis_app):
    """A register kept as a plain GeoPackage table is listed unstyled; a polygon register gets the
    polygon variant of the case style."""
    from qgis.core import QgsRuleBasedRenderer

    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    gpkg = tmp_path / "register.gpkg"
    _write_layer(gpkg, "cases", [("", {"patch_id": "P1", "stage": "办结"})], geom_type=ogr.wkbNone)
    ds = ogr.Open(str(gpkg))
    assert ds.GetLayerByName("cases").GetGeomType() == ogr.wkbNone
    ds = None
    _write_layer(gpkg, "case_areas", [(_box(X0, Y0, X0 + 100, Y0 + 100), {"patch_id": "P1", "stage": "办结", "overdue": "1"})])
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text('[[layer]]\nrole = "register"\npath = "register.gpkg|layername=cases"\n\n'
                         '[[layer]]\nrole = "register"\npath = "register.gpkg|layername=case_areas"\n', encoding="utf-8")
    project = _open(write_onemap_project(catalogue, tmp_path / "r.qgz"))
    table = project.mapLayersByName("cases")[0]
    areas = project.mapLayersByName("case_areas")[0]
    assert table.isValid() and not table.isSpatial()
    assert isinstance(areas.renderer(), QgsRuleBasedRenderer)
    assert areas.renderer().rootRule().children()[1].label() == "逾期"
    assert [n.name() for n in project.layerTreeRoot().findGroup("案件台账").findLayers()] == ["cases", "case_areas"]


def test_large_image_without_overviews_is_reported(tmp_path, qgis_app):
    from qgis.core import QgsProject

    from liangwei.liangwei_plugin.onemap.project_builder import build_onemap

    big = tmp_path / "big_20250101.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(big), 5000, 400, 3, gdal.GDT_Byte, options=["COMPRESS=DEFLATE"])
    ds.SetGeoTransform((X0, 1.0, 0, Y0 + 400, 0, -1.0))
    ds.SetProjection(_srs(4527).ExportToWkt())
    ds = None
    catalogue = tmp_path / "c.toml"
    catalogue.write_text('[[layer]]\nrole = "imagery"\npath = "big_20250101.tif"\nname = "大影像"\ndate = 2025-01-01\n',
                         encoding="utf-8")
    result = build_onemap(catalogue, QgsProject())
    assert any("大影像" in w and "金字塔" in w and "gdaladdo" in w for w in result.warnings)
    # the same image with overviews (a copy: QGIS keeps the first file's GDAL handle open)
    with_ovr = tmp_path / "big_ovr_20250101.tif"
    gdal.Translate(str(with_ovr), str(big))
    gdal.Open(str(with_ovr)).BuildOverviews("AVERAGE", [2, 4, 8])
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("big_20250101", "big_ovr_20250101"), encoding="utf-8")
    result = build_onemap(catalogue, QgsProject())
    assert not any("金字塔" in w for w in result.warnings)


def test_catalogue_style_override_local_or_shipped(small_county, qgis_app, tmp_path):
    """`style =` takes a .qml beside the catalogue, or the name of a shipped style."""
    from qgis.core import QgsCategorizedSymbolRenderer, QgsSingleSymbolRenderer

    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    folder = small_county.parent
    (folder / "my_patches.qml").write_text(
        (Path(resource("styles", "protected_river.qml"))).read_text(encoding="utf-8"), encoding="utf-8")
    catalogue = folder / f"override_{tmp_path.name}.toml"
    catalogue.write_text(
        '[[layer]]\nrole = "patches"\npath = "data/patches.gpkg|layername=卫片图斑"\nstyle = "my_patches.qml"\n\n'
        '[[layer]]\nrole = "protected"\npath = "data/county.gpkg|layername=规划分区"\nname = "分区作保护区"\n'
        'style = "planning_zones.qml"\ncode_field = "GHFQDM"\n', encoding="utf-8")
    project = _open(write_onemap_project(catalogue, tmp_path / "o.qgz"))
    patches = project.mapLayersByName("卫片图斑")[0].renderer()
    assert isinstance(patches, QgsSingleSymbolRenderer)
    assert patches.symbol().symbolLayer(0).strokeColor().name() == "#1f78b4"  # the river style, not red
    zones = project.mapLayersByName("分区作保护区")[0].renderer()
    assert isinstance(zones, QgsCategorizedSymbolRenderer) and zones.classAttribute() == "GHFQDM"
    assert {str(c.value()) for c in zones.categories()} == {"01", "05", "99", ""}
