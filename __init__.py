"""liangwei (两违一张图): QGIS plugin entry point.

Kept import-light so that tests and qgis_process can import sub-packages without
pulling in the GUI.
"""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    """Called by QGIS to create the plugin instance."""
    from .gui.plugin import LiangweiPlugin

    return LiangweiPlugin(iface)
