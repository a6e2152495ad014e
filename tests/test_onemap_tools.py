"""Swipe tool and patch navigator, headless (offscreen canvas from pytest-qgis).

The real-desktop swipe check (two halves of the canvas show different epochs) is
tests/test_swipe_desktop.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from test_onemap import EPOCHS, X0, Y0, make_small_county


@pytest.fixture(scope="module")
def onemap_qgz(tmp_path_factory, qgis_app) -> Path:
    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    catalogue = make_small_county(tmp_path_factory.mktemp("tools") / "county")
    return write_onemap_project(catalogue, catalogue.parent / "onemap.qgz")


@pytest.fixture
def loaded_project(onemap_qgz, qgis_iface):
    from qgis.core import QgsProject

    project = QgsProject.instance()
    assert project.read(str(onemap_qgz))
    yield project
    project.clear()


def test_default_epochs_are_newest_two_by_date(loaded_project):
    from liangwei.gui.swipe_tool import default_epochs, layer_date, raster_layers_newest_first

    dates = [layer_date(lyr) for lyr in raster_layers_newest_first(loaded_project)]
    assert dates == sorted((d for d, _ in EPOCHS), reverse=True)
    before, after = default_epochs(loaded_project)
    newest = sorted(EPOCHS, reverse=True)
    assert layer_date(after) == newest[0][0] and layer_date(before) == newest[1][0]


def test_layer_date_from_name_or_file():
    from qgis.core import QgsRasterLayer

    from liangwei.gui.swipe_tool import layer_date

    layer = QgsRasterLayer("/nowhere/epoch_20230415.tif", "影像", "gdal")
    assert layer_date(layer) == "2023-04-15"
    layer.setCustomProperty("liangwei/date", "2022-01-02")
    assert layer_date(layer) == "2022-01-02"


def test_overlay_keeps_layers_above_after_and_swaps_epoch(loaded_project):
    from liangwei.gui.swipe_tool import default_epochs, overlay_layers

    before, after = default_epochs(loaded_project)
    canvas_layers = [n.layer() for n in loaded_project.layerTreeRoot().findLayers() if n.isVisible()]
    layers = overlay_layers(canvas_layers, before, after)
    assert layers[-1] is before and after not in layers
    assert layers[:-1] == canvas_layers[: canvas_layers.index(after)]


def _wait(signal_owner, predicate, timeout=20.0):
    import time

    from qgis.PyQt.QtCore import QCoreApplication

    end = time.time() + timeout
    while not predicate() and time.time() < end:
        QCoreApplication.processEvents()
        time.sleep(0.02)
    return predicate()


def test_swipe_tool_draws_before_epoch_left_of_divider(loaded_project, artifacts_dir):
    from qgis.core import QgsRectangle
    from qgis.gui import QgsMapCanvas
    from qgis.PyQt.QtGui import QColor, QImage, QPainter

    from liangwei.gui.swipe_tool import SwipeMapTool, default_epochs

    canvas = QgsMapCanvas()
    canvas.resize(600, 400)
    canvas.show()
    _wait(canvas, lambda: canvas.mapSettings().outputSize().width() > 500, 5)
    canvas.setDestinationCrs(loaded_project.crs())
    before, after = default_epochs(loaded_project)
    canvas.setLayers([before, after])
    # a view over the imagery only (no vector overlays) so pixel colours are the epochs'
    canvas.setExtent(QgsRectangle(X0 + 3000, Y0 + 1500, X0 + 3900, Y0 + 2100))
    tool = SwipeMapTool(canvas)
    tool.set_epochs(before, after)
    canvas.setMapTool(tool)
    try:
        assert _wait(tool, lambda: tool.item is not None and tool.item.image is not None and not tool.is_rendering())
        image = tool.item.image
        colours = dict((d, rgb) for d, rgb in EPOCHS)
        from liangwei.gui.swipe_tool import layer_date

        expected = colours[layer_date(before)]
        # the epoch tif is one colour plus a +30 checkerboard: every pixel is within 30 of it
        px = image.pixelColor(image.width() // 3, image.height() // 2)
        assert all(0 <= c - e <= 30 for c, e in zip((px.red(), px.green(), px.blue()), expected))
        # composite: paint the item over a blank "after" canvas and look at both halves
        tool.set_fraction(0.5)
        target = QImage(canvas.width(), canvas.height(), QImage.Format_ARGB32)
        target.fill(QColor(255, 255, 255))
        painter = QPainter(target)
        painter.translate(-tool.item.mapFromScene(canvas.mapToScene(0, 0)))
        tool.item.paint(painter)
        painter.end()
        target.save(str(artifacts_dir / "swipe_headless_composite.png"))
        left = target.pixelColor(canvas.width() // 4, canvas.height() // 3)
        right = target.pixelColor(3 * canvas.width() // 4, canvas.height() // 3)
        assert left.name() != "#ffffff" and right.name() == "#ffffff"
        tool.set_fraction(0.9)
        assert tool.item.divider_x() == pytest.approx(0.9 * canvas.width())
    finally:
        canvas.unsetMapTool(tool)
    assert tool.item is None  # removed on deactivate


# -- patch navigator ------------------------------------------------------------------------------

@pytest.fixture
def patch_layers(qgis_iface):
    from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer

    patches = QgsVectorLayer(
        "Polygon?crs=EPSG:4527&field=patch_id:string&field=JCBH:string&field=XZQMC:string"
        "&field=determination_code:string&field=determination:string&field=area_m2:double&field=area_mu:double"
        "&field=farmland_m2:double&field=生态保护红线_m2:double", "监测图斑", "memory")
    rows = [
        ("P3", "城关镇", "uncorrectable", "无法采取改正措施消除对规划实施的影响", 3000.0, 1200.0, 50.0),
        ("P1", "溪口镇", "correctable", "尚可采取改正措施消除对规划实施的影响", 1500.0, 0.0, 0.0),
        ("P2", "城关镇", "correctable", "尚可采取改正措施消除对规划实施的影响", 600.0, 600.0, 0.0),
    ]
    feats = []
    for i, (pid, town, code, text, area, farm, red) in enumerate(rows):
        f = QgsFeature(patches.fields())
        f.setAttributes([pid, "JC" + pid, town, code, text, area, area * 15 / 10000, farm, red])
        x = X0 + 1000 * i
        f.setGeometry(QgsGeometry.fromWkt(
            f"POLYGON(({x} {Y0},{x + 60} {Y0},{x + 60} {Y0 + 40},{x} {Y0 + 40},{x} {Y0}))"))
        feats.append(f)
    patches.dataProvider().addFeatures(feats)
    register = QgsVectorLayer("Point?crs=EPSG:4527&field=patch_id:string&field=stage:string&field=overdue:integer",
                              "案件台账", "memory")
    r = QgsFeature(register.fields())
    r.setAttributes(["P3", "拆除整治", 1])
    register.dataProvider().addFeatures([r])
    register.setCustomProperty("liangwei/role", "register")
    patches.setCustomProperty("liangwei/role", "patches")
    QgsProject.instance().addMapLayers([patches, register])
    yield patches, register
    QgsProject.instance().removeAllMapLayers()


def test_navigator_steps_filters_and_shows_figures(patch_layers, qgis_iface):
    from qgis.core import QgsProject

    from liangwei.gui.patch_navigator import PatchNavigatorDock

    patches, _register = patch_layers
    canvas = qgis_iface.mapCanvas()
    canvas.resize(600, 400)
    canvas.setDestinationCrs(patches.crs())
    dock = PatchNavigatorDock(qgis_iface)
    assert dock.layer() is patches  # the one map's patch layer is picked by its role
    ids_in_order = [patches.getFeature(fid)["patch_id"] for fid in dock.ids]
    assert ids_in_order == ["P1", "P2", "P3"]
    dock.next()
    dock.next()
    rows = dict(dock.summary_rows())
    assert rows["监测编号"] == "JCP3"
    assert rows["图斑面积"] == "3,000.00 ㎡（4.50 亩）"
    assert rows["占用耕地"] == "1,200.00 ㎡（1.80 亩）"
    assert rows["占生态保护红线"] == "50.00 ㎡（0.07 亩）"
    assert rows["认定"].startswith("无法采取")
    assert rows["案件阶段"] == "拆除整治（逾期）"
    # zoomed to the patch with a margin: 60 x 40 m patch -> at least 90 m wide view around it
    extent = canvas.extent()
    geom_box = patches.getFeature(dock.ids[dock.position]).geometry().boundingBox()
    assert extent.contains(geom_box)
    assert extent.width() >= 60 * 1.5 - 1e-6
    assert canvas.scale() >= 1000 - 1
    assert patches.selectedFeatureIds() == [dock.ids[dock.position]]
    dock.next()  # wraps around
    assert dict(dock.summary_rows())["监测编号"] == "JCP1"
    assert dict(dock.summary_rows())["案件阶段"] == "未立案"
    dock.previous()
    assert dict(dock.summary_rows())["监测编号"] == "JCP3"

    dock.set_filters(determination="尚可采取改正措施消除对规划实施的影响")
    assert [patches.getFeature(fid)["patch_id"] for fid in dock.ids] == ["P1", "P2"]
    dock.set_filters(determination="尚可采取改正措施消除对规划实施的影响", township="城关镇")
    assert [patches.getFeature(fid)["patch_id"] for fid in dock.ids] == ["P2"]
    assert dock.ui.positionLabel.text() == "1 / 1"
    dock.set_filters()
    assert len(dock.ids) == 3
    dock.deleteLater()
    QgsProject.instance()


def test_navigator_export_guarded_when_algorithm_missing(patch_layers, qgis_iface):
    from qgis.core import QgsApplication

    from liangwei.gui.patch_navigator import EXPORT_ALGORITHMS, PatchNavigatorDock

    dock = PatchNavigatorDock(qgis_iface)
    if QgsApplication.processingRegistry().algorithmById(EXPORT_ALGORITHMS["report"]) is None:
        assert dock.export_documents("report") is False
    dock.deleteLater()


def test_plugin_component_adds_and_removes_actions(qgis_iface):
    from qgis.PyQt.QtWidgets import QMenu, QToolBar

    from liangwei.gui.onemap_component import OneMapComponent
    from liangwei.gui.swipe_tool import SWIPE_SHORTCUT

    menu = QMenu()
    toolbar = QToolBar()
    component = OneMapComponent(qgis_iface, menu, toolbar)
    labels = [a.text() for a in menu.actions()]
    assert labels == ["加载一张图…", "卷帘对比", "图斑导航"]
    assert component.swipe.action.shortcut().toString() == SWIPE_SHORTCUT
    component.unload()
    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert menu.actions() == [] and toolbar.actions() == []


def test_swipe_ends_when_an_epoch_is_removed(loaded_project, qgis_iface):
    from qgis.PyQt.QtWidgets import QMenu, QToolBar

    from liangwei.gui.swipe_tool import SwipeController, default_epochs

    controller = SwipeController(qgis_iface, QMenu(), QToolBar())
    try:
        controller.action.setChecked(True)
        before, after = default_epochs(loaded_project)
        assert controller.tool.before is before and controller.tool.after is after
        assert qgis_iface.mapCanvas().mapTool() is controller.tool
        loaded_project.removeMapLayer(before.id())
        assert not controller.action.isChecked()
        assert controller.tool.item is None and controller.tool.before is None
    finally:
        controller.unload()



def test_swipe_hands_back_the_previous_map_tool(loaded_project, qgis_iface):
    from qgis.gui import QgsMapToolPan
    from qgis.PyQt.QtWidgets import QMenu, QToolBar

    from liangwei.gui.swipe_tool import SwipeController

    canvas = qgis_iface.mapCanvas()
    pan = QgsMapToolPan(canvas)
    canvas.setMapTool(pan)
    controller = SwipeController(qgis_iface, QMenu(), QToolBar())
    try:
        controller.action.setChecked(True)
        assert canvas.mapTool() is controller.tool
        controller.action.setChecked(False)
        assert canvas.mapTool() is pan  # not "no map tool at all"
    finally:
        controller.unload()
        canvas.unsetMapTool(pan)


def test_swipe_compares_vector_layers(loaded_project):
    from qgis.core import QgsVectorLayer

    from liangwei.gui.swipe_tool import overlay_layers

    before = QgsVectorLayer("Polygon?crs=EPSG:4527", "2024年图斑", "memory")
    after = QgsVectorLayer("Polygon?crs=EPSG:4527", "2025年图斑", "memory")
    above = QgsVectorLayer("LineString?crs=EPSG:4527", "乡镇界线", "memory")
    imagery = [n.layer() for n in loaded_project.layerTreeRoot().findLayers()
               if n.layer().type() == n.layer().type().RasterLayer][0]
    # a vector "after": every canvas layer stays (the imagery below too), the before layer in its place
    assert overlay_layers([above, after, imagery], before, after) == [above, before, imagery]
    assert overlay_layers([above, after, before, imagery], before, after) == [above, before, imagery]


def test_swipe_horizontal_divider(loaded_project, artifacts_dir):
    from qgis.core import QgsRectangle
    from qgis.gui import QgsMapCanvas
    from qgis.PyQt.QtGui import QColor, QImage, QPainter

    from liangwei.gui.swipe_tool import SwipeMapTool, default_epochs

    canvas = QgsMapCanvas()
    canvas.resize(600, 400)
    canvas.show()
    _wait(canvas, lambda: canvas.mapSettings().outputSize().width() > 500, 5)
    canvas.setDestinationCrs(loaded_project.crs())
    before, after = default_epochs(loaded_project)
    canvas.setLayers([before, after])
    canvas.setExtent(QgsRectangle(X0 + 3000, Y0 + 1500, X0 + 3900, Y0 + 2100))
    tool = SwipeMapTool(canvas)
    tool.set_epochs(before, after)
    tool.set_horizontal(True)
    canvas.setMapTool(tool)
    try:
        assert _wait(tool, lambda: tool.item is not None and tool.item.image is not None and not tool.is_rendering())
        assert tool.item.horizontal
        tool.set_fraction(0.5)
        target = QImage(canvas.width(), canvas.height(), QImage.Format_ARGB32)
        target.fill(QColor(255, 255, 255))
        painter = QPainter(target)
        painter.translate(-tool.item.mapFromScene(canvas.mapToScene(0, 0)))
        tool.item.paint(painter)
        painter.end()
        target.save(str(artifacts_dir / "swipe_headless_horizontal.png"))
        top = target.pixelColor(canvas.width() // 3, canvas.height() // 4)
        bottom = target.pixelColor(canvas.width() // 3, 3 * canvas.height() // 4)
        assert top.name() != "#ffffff" and bottom.name() == "#ffffff"
        assert tool.item.divider_y() == pytest.approx(0.5 * canvas.height())
    finally:
        canvas.unsetMapTool(tool)

def test_menu_load_builds_into_the_open_project(onemap_qgz, qgis_iface, tmp_path):
    from qgis.core import QgsLayerTreeGroup, QgsProject
    from qgis.PyQt.QtWidgets import QMenu, QToolBar

    from liangwei.gui.onemap_component import OneMapComponent
    from test_onemap import GROUPS_TOP_DOWN

    project = QgsProject.instance()
    project.clear()
    component = OneMapComponent(qgis_iface, QMenu(), QToolBar())
    try:
        assert component.load(str(onemap_qgz.parent / "catalogue.toml"))
        groups = [c.name() for c in project.layerTreeRoot().children() if isinstance(c, QgsLayerTreeGroup)]
        assert groups == GROUPS_TOP_DOWN
        assert len(project.mapLayers()) == 10 + len(EPOCHS)
        assert project.crs().authid() == "EPSG:4527"
        bad = tmp_path / "bad.toml"
        bad.write_text('[[layer]]\nrole = "imagery"\npath = "none.tif"\nname = "坏影像"\n', encoding="utf-8")
        before = len(project.mapLayers())
        assert not component.load(str(bad))
        assert len(project.mapLayers()) == before  # nothing added from a bad catalogue
    finally:
        component.unload()
        project.clear()


def test_document_parameters_for_the_current_patch(patch_layers, qgis_iface, liangwei_provider):
    from qgis.core import QgsApplication, QgsProcessingFeatureSourceDefinition, QgsProject, QgsRasterLayer

    from liangwei.gui.patch_navigator import EXPORT_ALGORITHMS, document_parameters

    patches, _register = patch_layers
    algorithm = QgsApplication.processingRegistry().algorithmById(EXPORT_ALGORITHMS["report"])
    if algorithm is None:
        pytest.skip("liangwei:exportreports not registered")
    epoch = QgsRasterLayer("/nowhere/epoch_20250101.tif", "影像", "gdal")
    epoch.setCustomProperty("liangwei/role", "imagery")
    QgsProject.instance().addMapLayer(epoch, False)
    params = document_parameters(algorithm, patches, QgsProject.instance())
    patch_params = [v for v in params.values()
                    if v == patches.id() or isinstance(v, QgsProcessingFeatureSourceDefinition)]
    assert len(patch_params) == 1
    if isinstance(patch_params[0], QgsProcessingFeatureSourceDefinition):
        assert patch_params[0].selectedFeaturesOnly
    else:
        assert True in params.values()  # "selected features only" switched on
    assert [epoch.id()] in params.values()


def test_navigator_search_pick_outline_and_actions(patch_layers, qgis_iface):
    from qgis.core import Qgis, QgsPointXY, QgsVectorLayer
    from qgis.gui import QgsMapMouseEvent, QgsMapToolPan
    from qgis.PyQt.QtCore import QEvent, QPoint, Qt

    from liangwei.gui.patch_navigator import PatchNavigatorDock
    from liangwei.liangwei_plugin.onemap.navigator import document_actions

    patches, _register = patch_layers
    canvas = qgis_iface.mapCanvas()
    canvas.resize(600, 400)
    canvas.setDestinationCrs(patches.crs())
    dock = PatchNavigatorDock(qgis_iface)
    try:
        # search by 监测编号, exact or by its last characters
        assert dock.search("JCP2") and dict(dock.summary_rows())["监测编号"] == "JCP2"
        assert dock.search("P3") and dict(dock.summary_rows())["监测编号"] == "JCP3"
        assert not dock.search("JC999")
        # a filter hiding the patch searched for is lifted
        dock.set_filters(township="溪口镇")
        assert dock.search("JCP3") and len(dock.ids) == 3
        # the selection is drawn as an outline only: the imagery inside stays visible
        props = patches.selectionProperties()
        assert props.selectionRenderingMode() == Qgis.SelectionRenderingMode.CustomSymbol
        fill = props.selectionSymbol().symbolLayer(0)
        assert fill.brushStyle() == Qt.BrushStyle.NoBrush
        # click on a patch on the map: it opens in the navigator; leaving hands back the previous tool
        pan = QgsMapToolPan(canvas)
        canvas.setMapTool(pan)
        dock.ui.pickButton.setChecked(True)
        assert canvas.mapTool() is dock.pick_tool
        p1 = next(f for f in patches.getFeatures() if f["patch_id"] == "P1")
        canvas.setExtent(p1.geometry().boundingBox().buffered(100))
        canvas.refresh()
        centre = canvas.getCoordinateTransform().transform(QgsPointXY(p1.geometry().centroid().asPoint()))
        event = QgsMapMouseEvent(canvas, QEvent.Type.MouseButtonRelease, QPoint(int(centre.x()), int(centre.y())),
                                 Qt.MouseButton.LeftButton)
        dock.pick_tool.canvasReleaseEvent(event)
        assert dict(dock.summary_rows())["监测编号"] == "JCP1"
        dock.ui.pickButton.setChecked(False)
        assert canvas.mapTool() is pan
        canvas.unsetMapTool(pan)
        # documents only where they make sense
        lawful = QgsVectorLayer("Polygon?crs=EPSG:4527&field=JCBH:string&field=violation:integer"
                                "&field=determination_code:string", "x", "memory")
        from qgis.core import QgsFeature

        f = QgsFeature(lawful.fields())
        f.setAttributes(["1", 0, "not_violation"])
        assert document_actions(f) == {"report": True, "notice": False}
        f.setAttributes(["1", 1, "correctable"])
        assert document_actions(f) == {"report": True, "notice": True}
        g = QgsFeature(patches.fields())
        assert document_actions(g)["notice"] is False
        assert dock.ui.noticeButton.isEnabled()  # P1 "correctable"
    finally:
        dock.deleteLater()


def test_navigator_opens_on_the_county_patches_not_the_extract(qgis_iface):
    from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer

    from liangwei.liangwei_plugin.onemap.navigator import default_patch_layer

    project = QgsProject.instance()

    def layer(name, n):
        lyr = QgsVectorLayer("Polygon?crs=EPSG:4527&field=JCBH:string", name, "memory")
        feats = []
        for i in range(n):
            f = QgsFeature(lyr.fields())
            f.setAttributes([f"{name}{i}"])
            f.setGeometry(QgsGeometry.fromWkt(f"POLYGON(({i} 0,{i + 1} 0,{i + 1} 1,{i} 0))"))
            feats.append(f)
        lyr.dataProvider().addFeatures(feats)
        return lyr

    small, county = layer("卫片图斑_4490", 8), layer("卫片图斑", 20)
    group = project.layerTreeRoot().addGroup("监测图斑")
    for lyr in (small, county):
        project.addMapLayer(lyr, False)
        group.addLayer(lyr)
    try:
        assert default_patch_layer(project) is county  # no role yet: the biggest layer of 监测图斑
        small.setCustomProperty("liangwei/role", "patches")
        county.setCustomProperty("liangwei/role", "patches")
        assert default_patch_layer(project) is county
    finally:
        project.removeAllMapLayers()
        project.layerTreeRoot().removeChildNode(group)
