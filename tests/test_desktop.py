"""Real QGIS desktop under Xvfb with the plugin enabled: its menu and provider are there.

Keeps a screenshot (tests/artifacts/desktop_menu.png) for a person to look at.
"""
from __future__ import annotations

import json
import textwrap
import time

import pytest

from desktop_session import (
    ask_to_quit,
    check_tools,
    desktop_env,
    launch_qgis,
    screenshot,
    start_xvfb,
    stop,
    wait_for_report,
)

pytestmark = pytest.mark.desktop


STARTUP = textwrap.dedent(
    """
    import json, os
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QTimer, QPoint
    from qgis.PyQt.QtWidgets import QMenu
    from qgis.utils import iface, active_plugins

    OUT = os.environ["LIANGWEI_DESKTOP_OUT"]

    iface.mainWindow().showMaximized()

    def report():
        bar = iface.mainWindow().menuBar()
        menus = [a.text() for a in bar.actions()]
        ours = iface.mainWindow().findChildren(QMenu, "mLiangweiMenu")
        provider = QgsApplication.processingRegistry().providerById("liangwei")
        data = {
            "menus": menus,
            "liangwei_menus": len([m for m in ours if m.menuAction().isVisible()]),
            "menu_entries": [a.text() for m in ours for a in m.actions() if a.text()],
            "provider": provider.name() if provider else None,
            "algorithms": sorted(a.id() for a in provider.algorithms()) if provider else [],
            "active_plugins": list(active_plugins),
        }
        if ours:
            menu = ours[0]
            action = menu.menuAction()
            geom = bar.actionGeometry(action)
            menu.popup(bar.mapToGlobal(QPoint(geom.left(), geom.bottom())))
        with open(OUT + ".tmp", "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(OUT + ".tmp", OUT)

    def maybe_quit():
        if os.path.exists(OUT + ".quit"):
            QgsApplication.exit(0)

    QTimer.singleShot(4000, report)
    _quit_timer = QTimer()
    _quit_timer.timeout.connect(maybe_quit)
    _quit_timer.start(300)
    """
)





def test_desktop_menu_and_provider(tmp_path, desktop_profile, artifacts_dir):
    check_tools()
    out = tmp_path / "desktop.json"
    script = tmp_path / "startup.py"
    script.write_text(STARTUP, encoding="utf-8")
    xvfb, display = start_xvfb()
    qgis = None
    try:
        env = desktop_env(display, LIANGWEI_DESKTOP_OUT=str(out))
        qgis = launch_qgis(desktop_profile, script, env, tmp_path / "qgis.log")
        wait_for_report(out, qgis, tmp_path / "qgis.log")
        time.sleep(1.5)  # let the popped-up menu paint
        shot = artifacts_dir / "desktop_menu.png"
        screenshot(display, shot)
        ask_to_quit(tmp_path / "desktop.json.quit", qgis)
    finally:
        stop(qgis)
        stop(xvfb)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert "liangwei" in data["active_plugins"]
    assert "两违一张图" in data["menus"]
    assert data["liangwei_menus"] == 1
    assert data["provider"] == "两违一张图审查"
    assert data["algorithms"] and all(a.startswith("liangwei:") for a in data["algorithms"])
    assert shot.stat().st_size > 10_000
