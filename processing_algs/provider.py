"""The ``liangwei`` Processing provider (两违一张图审查)."""
from __future__ import annotations

import importlib

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..liangwei_plugin.dependencies import warn_missing_once
from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.paths import icon_path

PROVIDER_ID = "liangwei"

# module -> algorithm class, one algorithm per file.  Algorithm ids are public:
# add entries, never rename published ones.
ALGORITHMS = [
    ("sample_county", "SampleCountyAlgorithm"),
    ("overlay_check", "OverlayCheckAlgorithm"),
    ("detect_changes", "DetectChangesAlgorithm"),
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
    ("export_field_package", "ExportFieldPackageAlgorithm"),
    ("import_field_package", "ImportFieldPackageAlgorithm"),
    ("review_map", "ReviewMapAlgorithm"),
    ("void_number", "VoidNumberAlgorithm"),
    ("record_service", "RecordServiceAlgorithm"),
]


def algorithm_classes() -> list:
    """The algorithm classes of the provider, in menu order.  One that cannot even be imported (a package
    it needs is missing: the message names it, once) is left out; the others load."""
    classes = []
    for module_name, class_name in ALGORITHMS:
        try:
            module = importlib.import_module(f"{__package__}.{module_name}")
        except ImportError as exc:
            logger.warning(tr("算法模块 {module} 无法加载（{error}），已跳过。").format(module=module_name, error=exc))
            continue
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
        warn_missing_once()
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
