"""The field-package settings (``resources/fieldwork.toml``): table names, conclusions, labels, checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..paths import resource
from ..toml_compat import tomllib

DEFAULT_CONFIG = resource("fieldwork.toml")
META_TABLE = "liangwei_package"   # key/value metadata of a package (not in the project: QField never shows it)
PACKAGE_FORMAT = "liangwei-fieldwork-1"


class FieldworkError(ValueError):
    """A field package that cannot be written or read; the message (Chinese) names what and where."""


@dataclass(frozen=True)
class FieldworkConfig:
    geopackage: str = "外业核查.gpkg"
    layer: str = "外业核查"
    photo_table: str = "核查照片"
    base_geopackage: str = "底图.gpkg"
    imagery_folder: str = "影像"
    project: str = "外业核查.qgz"
    photo_folder: str = "DCIM"
    margin_m: float = 300.0
    imagery_max_px: int = 4096
    imagery_jpeg_quality: int = 80
    conclusions: tuple[str, ...] = ("合法", "非农违法", "农村道路", "设施农用地", "其他")
    stock: dict = field(default_factory=lambda: {"新增": "增量", "存量": "存量"})
    labels: dict = field(default_factory=dict)
    photo_labels: dict = field(default_factory=dict)
    max_distance_m: float = 100.0
    after_imagery: bool = True


@lru_cache(maxsize=8)
def _load(path: str) -> FieldworkConfig:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    pkg = data.get("package", {})
    checks = data.get("checks", {})
    known = {k: pkg[k] for k in ("geopackage", "layer", "photo_table", "base_geopackage", "imagery_folder",
                                 "project", "photo_folder", "margin_m", "imagery_max_px",
                                 "imagery_jpeg_quality") if k in pkg}
    conclusions = tuple(data.get("conclusions", {}).get("values", FieldworkConfig.conclusions))
    if not conclusions:
        raise FieldworkError(f"{path}：[conclusions] values 不能为空")
    return FieldworkConfig(
        **known, conclusions=conclusions,
        stock=dict(data.get("stock", {}).get("values", {"新增": "增量", "存量": "存量"})),
        labels=dict(data.get("fields", {})), photo_labels=dict(data.get("photo_fields", {})),
        max_distance_m=float(checks.get("max_distance_m", 100.0)),
        after_imagery=bool(checks.get("after_imagery", True)))


def load_config(path: str | Path | None = None) -> FieldworkConfig:
    return _load(str(path or DEFAULT_CONFIG))
