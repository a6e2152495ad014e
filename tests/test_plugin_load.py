"""The plugin loads in a QGIS application, registers its provider and unloads cleanly."""
from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtWidgets import QMenu, QToolBar

import liangwei
from liangwei.gui.plugin import MENU_OBJECT_NAME, TOOLBAR_OBJECT_NAME


def _menus(iface):
    return [m for m in iface.mainWindow().findChildren(QMenu, MENU_OBJECT_NAME) if m.menuAction().isVisible()]


def _toolbars(iface):
    return [t for t in iface.mainWindow().findChildren(QToolBar, TOOLBAR_OBJECT_NAME) if not t.isHidden() or t.parent()]


def test_load_and_unload(qgis_iface, qgis_processing):
    registry = QgsApplication.processingRegistry()
    plugin = liangwei.classFactory(qgis_iface)
    plugin.initGui()
    provider = registry.providerById("liangwei")
    assert provider is not None
    assert provider.name() == "两违一张图审查"
    assert len(provider.algorithms()) >= 1
    assert all(a.id().startswith("liangwei:") for a in provider.algorithms())
    menus = _menus(qgis_iface)
    assert len(menus) == 1 and menus[0].title() == "两违一张图"
    assert plugin.toolbar is not None

    plugin.unload()
    QgsApplication.processEvents()
    assert registry.providerById("liangwei") is None
    assert _menus(qgis_iface) == []
    assert plugin.toolbar is None and plugin.menu is None


def test_loading_twice_leaves_no_duplicates(qgis_iface, qgis_processing):
    registry = QgsApplication.processingRegistry()
    first = liangwei.classFactory(qgis_iface)
    first.initGui()
    first.unload()
    second = liangwei.classFactory(qgis_iface)
    second.initGui()
    try:
        assert len(_menus(qgis_iface)) == 1
        ids = [p.id() for p in registry.providers()]
        assert ids.count("liangwei") == 1
        algs = [a.id() for a in registry.algorithms() if a.provider().id() == "liangwei"]
        assert len(algs) == len(set(algs))
    finally:
        second.unload()
    assert registry.providerById("liangwei") is None


def test_metadata_complete():
    import configparser

    from liangwei.liangwei_plugin.paths import PLUGIN_ROOT

    meta = configparser.ConfigParser()
    meta.read(PLUGIN_ROOT / "metadata.txt", encoding="utf-8")
    general = meta["general"]
    for key in ("name", "description", "about", "version", "qgisMinimumVersion", "author", "email",
                "repository", "tracker", "homepage", "tags", "category", "hasProcessingProvider", "changelog", "icon"):
        assert general.get(key, "").strip(), key
    # the oldest QGIS the tests run on (the .venv's 3.40 LTR; the deployment test's 3.40, `make test-lts` 3.44)
    from qgis.core import Qgis

    assert general["qgisMinimumVersion"] == "3.40"
    assert Qgis.QGIS_VERSION_INT // 100 >= 340
    assert general["qgisMaximumVersion"] == "4.99" and general["supportsQt6"] == "True"
    assert general["hasProcessingProvider"] == "yes"
    assert (PLUGIN_ROOT / general["icon"]).exists()
