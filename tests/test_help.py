"""Offline help: every algorithm's dialog opens its own Chinese page (helpUrl → resources/help/<id>.html),
(written by scripts/make_help.py), the user guide links only to pages
that exist; and the plugin's menu is grouped, each entry with its own icon."""
from __future__ import annotations

import re
from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtWidgets import QMenu

ROOT = Path(__file__).resolve().parent.parent
HELP = ROOT / "resources" / "help"


def test_every_algorithm_has_an_offline_help_page(qgis_app, liangwei_provider):
    algorithms = liangwei_provider.algorithms()
    assert algorithms
    for alg in algorithms:
        url = QUrl(alg.helpUrl())
        assert url.isLocalFile(), alg.id()
        page = Path(url.toLocalFile())
        assert page == HELP / f"{alg.name()}.html" and page.is_file()
        text = page.read_text(encoding="utf-8")
        assert alg.displayName() in text and f"liangwei:{alg.name()}" in text


def test_overlay_page_lists_output_fields_with_chinese_names():
    text = (HELP / "overlaycheck.html").read_text(encoding="utf-8")
    assert "<code>farmland_m2</code></td><td>占用耕地面积（平方米）" in text
    assert "<code>area_m2</code></td><td>相交面积（平方米）" in text  # the detail table's own name


def test_user_guide_links_resolve():
    guide = (HELP / "guide.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"#:]+)"', guide))
    assert "overlaycheck.html" in links
    assert all((HELP / link).is_file() for link in links), links


def test_menu_grouped_with_separators_and_distinct_icons(qgis_iface, qgis_processing):
    import liangwei
    from liangwei.gui.plugin import ALGORITHM_ACTIONS, MENU_GROUPS, MENU_OBJECT_NAME
    from liangwei.liangwei_plugin.paths import ICONS

    plugin = liangwei.classFactory(qgis_iface)
    plugin.initGui()
    try:
        menu = next(m for m in qgis_iface.mainWindow().findChildren(QMenu, MENU_OBJECT_NAME)
                    if m.menuAction().isVisible())
        headings = [a.text() for a in menu.actions() if a.isSeparator()]
        assert headings == [heading for _key, heading in MENU_GROUPS]
        entries = [a for a in menu.actions() if not a.isSeparator()]
        labels = [a.text() for a in entries]
        # the groups in order: 一张图 before 审查 before 文书 before 台账 before 帮助
        order = ["加载一张图…", "图斑叠加分析…", "输出规划认定意见书…", "案件台账", "用户指南"]
        assert [labels.index(label) for label in order] == sorted(labels.index(label) for label in order)
        assert "卷帘对比" in labels and "图斑导航" in labels
        # between two groups a separator (a heading): the action before 审查本图, the first of 审查, is one
        actions = menu.actions()
        assert actions[actions.index(entries[labels.index("审查本图…")]) - 1].isSeparator()
        icons = [icon for *_rest, icon in ALGORITHM_ACTIONS]
        assert len(set(icons)) == len(icons) and all((ICONS / icon).is_file() for icon in icons)
        assert all(not a.icon().isNull() for a in entries)
        toolbar_separators = [a for a in plugin.toolbar.actions() if a.isSeparator()]
        assert toolbar_separators
    finally:
        plugin.unload()
        QgsApplication.processEvents()


def test_dialog_wording(qgis_app, liangwei_provider):
    """No "（可选）" beside QGIS's own [可选], no internal ids in labels, decimals with two places."""
    from qgis.core import Qgis, QgsProcessingParameterNumber

    for alg in liangwei_provider.algorithms():
        for d in alg.parameterDefinitions():
            text = d.description()
            if d.flags() & Qgis.ProcessingParameterFlag.Optional:
                assert "可选" not in text and "可空" not in text, (alg.id(), text)
            assert "liangwei:" not in text and "OUTPUT" not in text, (alg.id(), text)
            assert not re.search(r"\b(overlaycheck|determine)\b", text), (alg.id(), text)
            if isinstance(d, QgsProcessingParameterNumber) and \
                    d.dataType() == Qgis.ProcessingNumberParameterType.Double:
                assert d.metadata()["widget_wrapper"]["decimals"] == 2, (alg.id(), text)


def test_date_parameters_get_the_qgis_date_widget(qgis_app, liangwei_provider):
    from processing.gui.wrappers import WidgetWrapperFactory
    from qgis.core import QgsProcessingParameterString
    from qgis.gui import QgsDateEdit

    dates = [(alg, d) for alg in liangwei_provider.algorithms() for d in alg.parameterDefinitions()
             if isinstance(d, QgsProcessingParameterString) and "日期" in d.description()]
    assert len(dates) >= 10  # 处置日期, 登记日期, 落款日期, 报送日期, 统计日期, 开始/结束日期 …
    for alg, d in dates:
        assert d.metadata()["widget_wrapper"]["class"].endswith("date_widget.DateWidgetWrapper"), alg.id()

    class Dialog:  # any dialog that is not the batch or modeler one: the standard widget
        pass

    wrapper = WidgetWrapperFactory.create_wrapper(dates[0][1], Dialog())
    assert isinstance(wrapper.widget, QgsDateEdit)
    assert wrapper.value() == ""  # empty = the algorithm's default (today)
    wrapper.setValue("2026-11-10")
    assert wrapper.value() == "2026-11-10"
    wrapper.setValue("")
    assert wrapper.value() == ""
