"""The embedded CJK TrueType font of every PDF (WenQuanYi Micro Hei by default).

reportlab embeds (subsets) TrueType fonts only; OpenType/CFF fonts such as Noto Sans CJK .otf
cannot be used.  The font is looked up once per process.
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


class FontMissing(RuntimeError):
    """No usable CJK TrueType font."""


_registered: tuple[str, int] | None = None


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


def register_cjk_font(configured: str | None = None, subfont_index: int = 0) -> str:
    """Register the CJK font with reportlab (once) and return its reportlab font name."""
    global _registered
    path = find_cjk_font(configured)
    key = (str(path), int(subfont_index))
    if _registered == key:
        return FONT_NAME
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = TTFont(FONT_NAME, str(path), subfontIndex=int(subfont_index))
    except TTFError as exc:
        raise FontMissing(f"字体文件 {path} 无法嵌入 PDF（需要 TrueType 轮廓）：{exc}") from exc
    pdfmetrics.registerFont(font)
    _registered = key
    return FONT_NAME
