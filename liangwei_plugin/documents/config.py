"""Document configuration (wording, authority, numbering, deadlines) from ``resources/documents.toml``.

A bureau edits a copy of that file; a user file is merged over the shipped defaults so it only
needs the keys it changes.
"""
from __future__ import annotations

import copy
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..paths import resource
from ..toml_compat import tomllib

DEFAULT_CONFIG = resource("documents.toml")
ENV_CONFIG = "LIANGWEI_DOCUMENTS_CONFIG"


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict:
    with open(DEFAULT_CONFIG, "rb") as f:
        data = tomllib.load(f)
    if path:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"文书配置文件不存在：{p}")
        with open(p, "rb") as f:
            try:
                data = _merge(data, tomllib.load(f))
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"文书配置文件 {p} 格式错误：{exc}") from exc
    return data


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """The document configuration: shipped defaults, overridden by ``path`` (or $LIANGWEI_DOCUMENTS_CONFIG)."""
    path = path or os.environ.get(ENV_CONFIG) or None
    return copy.deepcopy(_load(str(path) if path else None))
