"""Configurable field mapping: common names and pinyin initials -> canonical fields.

No national field table exists for monitoring patches, so bureaus' layers name the
same thing differently (JCBH / 监测编号 / TBBH ...).  ``resources/field_mapping.toml``
lists the accepted aliases per canonical field; a bureau edits that file, not code.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .config_schema import ConfigSchemaError, List, Table, Text, check, read_toml
from .paths import resource

DEFAULT_MAPPING = resource("field_mapping.toml")
#: the schema of resources/field_mapping.toml (liangwei_plugin.config_schema)
FIELD_MAPPING_SCHEMA = Table({"fields": Table(values=Table({"aliases": List(Text(nonempty=True), unique=True)}))},
                             required=("fields",))


@lru_cache(maxsize=8)
def load_field_mapping(path: str | None = None) -> dict[str, list[str]]:
    """canonical name -> aliases (the canonical name itself first)."""
    source = path or DEFAULT_MAPPING
    data = read_toml(source, "字段映射文件")
    problems = check(data, FIELD_MAPPING_SCHEMA)
    if problems:
        raise ConfigSchemaError(source, problems, "字段映射文件")
    mapping = {}
    for canonical, spec in data["fields"].items():
        aliases = [canonical] + [a for a in spec.get("aliases", []) if a != canonical]
        mapping[canonical] = aliases
    return mapping


def resolve_field(available: Iterable[str], canonical: str, mapping_path: str | Path | None = None) -> str | None:
    """The name in ``available`` that stands for ``canonical`` (case-insensitive), or None."""
    by_lower = {name.lower(): name for name in available}
    for alias in load_field_mapping(str(mapping_path) if mapping_path else None).get(canonical, [canonical]):
        hit = by_lower.get(alias.lower())
        if hit is not None:
            return hit
    return None


_UNSAFE = re.compile(r"[^0-9A-Za-z_\u4e00-\u9fff]+")


def protected_area_field(layer_name: str, taken: Iterable[str] = ()) -> str:
    """Name of the per-layer area field in overlay outputs, e.g. ``生态保护红线_m2``.

    Keeps Chinese characters (GeoPackage and PostGIS accept them) so the attribute
    table stays readable; anything else unsafe becomes ``_``.  ``taken`` lets the
    caller avoid collisions between two layers that sanitize alike.
    """
    base = _UNSAFE.sub("_", layer_name).strip("_")[:40] or "layer"
    name = f"{base}_m2"
    taken = {t.lower() for t in taken}
    n = 2
    while name.lower() in taken:
        name = f"{base}_{n}_m2"
        n += 1
    return name
