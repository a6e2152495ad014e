"""The embedded CJK TrueType fonts of every PDF.

GB/T 9704 sets titles in a 标宋 face, first-level headings in 黑体 and the body in 仿宋.  The free
TrueType faces closest to them are used where installed: AR PL UMing (Ming/Song, fonts-arphic-uming)
for titles, WenQuanYi Micro Hei (a 黑体, fonts-wqy-microhei) for headings and AR PL UKai (楷, the
nearest free face to 仿宋, fonts-arphic-ukai) for the body; WenQuanYi stands in for any that is
missing.  documents.toml [font] names other files.

reportlab embeds (subsets) TrueType fonts only; OpenType/CFF fonts such as Noto Sans CJK .otf
cannot be used.  Each font is looked up once per process.
"""
from __future__ import annotations

import os
from pathlib import Path

FONT_NAME = "LiangweiCJK"
ENV_FONT = "LIANGWEI_CJK_FONT"
FONT_PACKAGE = "fonts-wqy-microhei"

# TrueType CJK fonts found on common systems, most preferred first.
CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
]


# Preferred faces by role (file, subfont index); the first installed one wins, else CANDIDATES.
BODY_FONT_NAME = "LiangweiCJKBody"
TITLE_FONT_NAME = "LiangweiCJKTitle"
HEADING_FONT_NAME = "LiangweiCJKHeading"
ENV_TITLE_FONT = "LIANGWEI_CJK_TITLE_FONT"
ROLE_FACES = {
    "body": [("/usr/share/fonts/truetype/arphic/ukai.ttc", 0)],        # AR PL UKai CN (仿宋-like)
    "title": [("/usr/share/fonts/truetype/arphic/uming.ttc", 0)],      # AR PL UMing CN (标宋-like)
    "heading": [("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # 黑体-like
                ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0)],
}


class FontMissing(RuntimeError):
    """No usable CJK TrueType font."""


_registered: dict[str, tuple[str, int]] = {}


def find_cjk_font(configured: str | None = None) -> Path:
    """The CJK font file to embed: $LIANGWEI_CJK_FONT, the configured path, then the system candidates."""
    for explicit in (os.environ.get(ENV_FONT), configured):
        if explicit:
            p = Path(explicit).expanduser()
            if not p.is_file():
                raise FontMissing(f"配置的中文字体文件不存在：{p}")
            return p
    for candidate in CANDIDATES:
        p = Path(candidate)
        if p.is_file():
            return p
    raise FontMissing(
        "找不到可嵌入 PDF 的中文 TrueType 字体（文泉驿微米黑）。请安装软件包 "
        f"{FONT_PACKAGE}（Debian/Ubuntu：sudo apt-get install {FONT_PACKAGE}），"
        f"或在 resources/documents.toml 的 [font] path 或环境变量 {ENV_FONT} 中指定 .ttf/.ttc 字体文件。"
    )


def _register(name: str, path: Path, subfont_index: int) -> str:
    key = (str(path), int(subfont_index))
    if _registered.get(name) == key:
        return name
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(name, str(path), subfontIndex=int(subfont_index))
    except TTFError as exc:
        raise FontMissing(f"字体文件 {path} 无法嵌入 PDF（需要 TrueType 轮廓）：{exc}") from exc
    pdfmetrics.registerFont(font)
    _registered[name] = key
    return name


def register_cjk_font(configured: str | None = None, subfont_index: int = 0) -> str:
    """Register the fallback CJK font (the configured file, else WenQuanYi…) with reportlab (once) and
    return its reportlab font name."""
    return _register(FONT_NAME, find_cjk_font(configured), subfont_index)


def _preferred(role: str) -> tuple[Path, int] | None:
    for path, index in ROLE_FACES.get(role, []):
        if Path(path).is_file():
            return Path(path), index
    return None


def register_document_fonts(font_config: dict | None = None) -> dict[str, str]:
    """Register the fonts of the documents and return the reportlab font name by role (body, title, heading).

    ``font_config`` is documents.toml [font]: ``path``/``subfont_index`` (body), ``title_path``/
    ``title_subfont_index``, ``heading_path``/``heading_subfont_index``; ``gbt9704 = false`` prints
    everything in the body font as before.  $LIANGWEI_CJK_FONT sets the body font (and, unless
    $LIANGWEI_CJK_TITLE_FONT is set, every role); an empty path takes the preferred installed face.
    """
    cfg = font_config or {}
    env_body, env_title = os.environ.get(ENV_FONT), os.environ.get(ENV_TITLE_FONT)
    styled = bool(cfg.get("gbt9704", True))
    body_path = cfg.get("path") or None
    pick = None if (env_body or body_path or not styled) else _preferred("body")
    if pick:
        body = _register(BODY_FONT_NAME, pick[0], pick[1])
    else:
        body = register_cjk_font(body_path, cfg.get("subfont_index", 0))
    names = {"body": body}
    for role, name in (("title", TITLE_FONT_NAME), ("heading", HEADING_FONT_NAME)):
        configured = (env_title if role == "title" else None) or cfg.get(f"{role}_path") or None
        if configured:
            p = Path(configured).expanduser()
            if not p.is_file():
                raise FontMissing(f"配置的中文字体文件不存在：{p}")
            names[role] = _register(name, p, cfg.get(f"{role}_subfont_index", 0))
            continue
        pick = None if (env_body or not styled) else _preferred(role)
        names[role] = _register(name, pick[0], pick[1]) if pick else body
    return names
