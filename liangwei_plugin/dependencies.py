"""The Python packages the plugin needs beyond QGIS, where each comes from, and what to tell the user.

Two kinds (the README's install section says the same):
- **Native** packages (shapely, geopandas, pandas, pyproj, numpy, Pillow) are compiled against the libraries
  of the QGIS build and come with QGIS: the Windows installers (OSGeo4W, standalone) ship them, Debian 13 and
  Ubuntu have them as python3-* packages.  The plugin never carries its own copy.
- **Pure-Python** packages (reportlab, openpyxl, pypdf, tomli …) travel inside the ZIP, one folder each under
  ``liangwei_plugin/_vendor/`` with its licence, and are put on ``sys.path`` only when QGIS's Python lacks
  them or has one too old (:func:`activate_vendored`), so a bureau on an intranet installs nothing but the ZIP.

What is still missing (a native package absent or too old) is named once, in Chinese, and only the
algorithms that need it are disabled (:func:`missing_for`); everything else keeps working.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "_vendor"


@dataclass(frozen=True)
class Requirement:
    module: str  # import name
    dist: str  # distribution name (for the version and for pip)
    minimum: str
    features: tuple[str, ...]  # what needs it: "core" (overlay, determination, register), "documents", "ledger",
    # "imagery" (change detection, the sample county's imagery)
    vendored: bool  # travels in the ZIP

    @property
    def pip(self) -> str:
        return f"{self.dist}>={self.minimum}"


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("numpy", "numpy", "1.22", ("core",), False),
    Requirement("shapely", "shapely", "2.0", ("core",), False),
    Requirement("pandas", "pandas", "1.4", ("core",), False),
    Requirement("pyproj", "pyproj", "3.3", ("core",), False),
    Requirement("geopandas", "geopandas", "1.0", ("core",), False),
    Requirement("scipy", "scipy", "1.8", ("imagery",), False),
    Requirement("PIL", "pillow", "9.0", ("documents",), False),
    Requirement("reportlab", "reportlab", "4.0", ("documents",), True),
    Requirement("charset_normalizer", "charset-normalizer", "2.0", ("documents",), True),
    Requirement("pypdf", "pypdf", "3.0", ("documents",), True),
    Requirement("openpyxl", "openpyxl", "3.0", ("ledger",), True),
    Requirement("et_xmlfile", "et_xmlfile", "1.0", ("ledger",), True),
)
#: tomllib is in the standard library from Python 3.11; older Pythons use the vendored tomli
TOMLI = Requirement("tomli", "tomli", "1.1", ("core",), True)

#: what each feature means to a user, for the message
FEATURE_NAMES = {"core": "叠加分析、规划认定等功能", "documents": "文书（PDF）输出", "ledger": "台账 Excel 导出",
                 "imagery": "两期影像变化检测与示例县影像"}


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _installed_version(req: Requirement) -> str | None:
    """The version of ``req`` that an import would find (None when absent), without importing it."""
    module = sys.modules.get(req.module)
    if module is not None:
        return str(getattr(module, "__version__", None) or _dist_version(req.dist) or "0")
    try:
        if importlib.util.find_spec(req.module) is None:
            return None
    except (ImportError, ValueError):  # a broken or blocked installation counts as absent
        return None
    return _dist_version(req.dist) or "0"


def _dist_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _usable(version: str | None, req: Requirement) -> bool:
    if version is None:
        return False
    if version.startswith("0+"):
        # a distribution build that lost its version (Debian unstable's shapely says "0+unknown"): the
        # distribution ships what its QGIS needs, so take it as new enough
        return True
    return version_tuple(version) >= version_tuple(req.minimum)


def vendored_requirements() -> list[Requirement]:
    reqs = [r for r in REQUIREMENTS if r.vendored]
    if sys.version_info < (3, 11):
        reqs.append(TOMLI)
    return reqs


def activate_vendored() -> list[str]:
    """Put the ZIP's copy of each pure-Python package on ``sys.path`` where QGIS's Python lacks it or has
    one too old; returns the distributions taken from the ZIP.  Idempotent and cheap (no imports)."""
    taken = []
    for req in vendored_requirements():
        folder = VENDOR_DIR / req.dist.replace("-", "_").lower()
        if not folder.is_dir() or str(folder) in sys.path:
            continue
        if _usable(_installed_version(req), req):
            continue
        if req.module in sys.modules:  # an older copy is already imported: too late to replace it
            continue
        # the vendored copy must win over an older one on the path, and only for this package's folder
        sys.path.insert(0, str(folder))
        importlib.invalidate_caches()
        taken.append(req.dist)
    return taken


def missing_requirements(features: tuple[str, ...] | None = None) -> list[Requirement]:
    """Requirements (of ``features``, or all) that are absent or too old in this Python."""
    reqs = [r for r in REQUIREMENTS if features is None or set(r.features) & set(features)]
    if sys.version_info < (3, 11):
        reqs.append(TOMLI)
    return [r for r in reqs if not _usable(_installed_version(r), r)]


def missing_message(features: tuple[str, ...] | None = None) -> str | None:
    """One Chinese sentence naming what is missing and what it disables, or None when nothing is."""
    missing = missing_requirements(features)
    if not missing:
        return None
    from .i18n import tr

    disabled = sorted({f for r in missing for f in r.features}, key=list(FEATURE_NAMES).index)
    packages = "、".join(f"{r.dist}（需要 {r.minimum} 或更新版本）" for r in missing)
    return tr("QGIS 的 Python 环境缺少或版本过旧：{packages}；{features}暂不可用，其余功能正常。"
              "请安装包含这些组件的 QGIS 版本（Windows 版 QGIS 3.40/3.44 自带），"
              "或在 QGIS 的 Python 中执行：pip install {pip}").format(
        packages=packages, features="、".join(tr(FEATURE_NAMES[f]) for f in disabled),
        pip=" ".join(r.pip for r in missing))


_warned = False


def warn_missing_once() -> str | None:
    """Log :func:`missing_message` once per session (plugin load and Processing provider share it)."""
    global _warned
    message = missing_message()
    if message and not _warned:
        from .log import logger

        logger.warning(message)
        _warned = True
    return message
