"""The ``liangwei`` Processing provider (两违一张图审查)."""
from __future__ import annotations

import importlib

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.paths import icon_path

PROVIDER_ID = "liangwei"

# module -> algorithm class, one algorithm per file.  Algorithm ids are public:
# add entries, never rename published ones.
ALGORITHMS = [
    ("sample_county", "SampleCountyAlgorithm"),
    ("overlay_check", "OverlayCheckAlgorithm"),
    ("determine", "DetermineAlgorithm"),
    ("farmland_ratio", "FarmlandRatioAlgorithm"),
    ("build_onemap", "BuildOneMapAlgorithm"),
    ("export_reports", "ExportReportsAlgorithm"),
    ("export_notices", "ExportNoticesAlgorithm"),
    ("batch_review", "BatchReviewAlgorithm"),
    ("register_cases", "RegisterCasesAlgorithm"),
    ("advance_cases", "AdvanceCasesAlgorithm"),
    ("export_ledger", "ExportLedgerAlgorithm"),
    ("case_statistics", "CaseStatisticsAlgorithm"),
    ("flag_overdue", "FlagOverdueAlgorithm"),
    ("grid_checkin", "GridCheckinAlgorithm"),
    ("missed_grid_reports", "MissedGridReportsAlgorithm"),
]


def algorithm_classes() -> list:
    """The algorithm classes of the provider, in menu order."""
    classes = []
    for module_name, class_name in ALGORITHMS:
        module = importlib.import_module(f"{__package__}.{module_name}")
        classes.append(getattr(module, class_name))
    return classes


class LiangweiProvider(QgsProcessingProvider):
    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return tr("两违一张图审查")

    def longName(self) -> str:  # noqa: N802
        return self.name()

    def icon(self) -> QIcon:
        return QIcon(icon_path())

    def loadAlgorithms(self) -> None:  # noqa: N802
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
