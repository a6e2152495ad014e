"""Write the offline Chinese help pages of the Processing algorithms (resources/help/<id>.html) from the
algorithms themselves: name, description, parameters (with their defaults), outputs and — where the
output's fields are fixed — the output fields with their Chinese names (resources/field_aliases.toml).

Run after changing an algorithm's parameters or help text:
    source scripts/env.sh && .venv/bin/python scripts/make_help.py
The pages are committed (the plugin opens them from the algorithm dialog's 帮助 button, offline);
tests/test_help.py checks that every algorithm has its page and that the pages are up to date.
"""
from __future__ import annotations

import html
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build" / "plugins"))
HELP_DIR = ROOT / "resources" / "help"

TYPE_NAMES = {
    "vector": "矢量图层", "source": "矢量图层（要素源）", "raster": "栅格图层", "multilayer": "多个图层",
    "field": "字段", "enum": "选项", "number": "数值", "distance": "距离", "boolean": "是/否", "string": "文本",
    "file": "文件", "folder": "文件夹", "crs": "坐标参考系", "extent": "范围", "expression": "表达式",
    "sink": "输出图层", "vectorDestination": "输出图层", "fileDestination": "输出文件",
    "folderDestination": "输出文件夹", "datetime": "日期", "providerconnection": "数据库连接",
    "layer": "图层", "matrix": "表格",
}

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title} — 两违一张图帮助</title>
<link rel="stylesheet" href="help.css">
</head>
<body>
<p class="nav"><a href="guide.html">用户指南</a> › {group}</p>
<h1>{title}</h1>
<p class="id">算法编号：<code>liangwei:{alg_id}</code>（在模型、脚本和 qgis_process 中使用）</p>
<h2>用途</h2>
{summary}
<h2>参数</h2>
<table>
<tr><th>参数</th><th>类型</th><th>是否必填</th><th>默认值</th></tr>
{parameters}
</table>
<h2>输出</h2>
<table>
<tr><th>输出</th><th>类型</th></tr>
{outputs}
</table>
{fields}
<p class="foot">本页由 scripts/make_help.py 根据算法定义生成。字段中文名见 resources/field_aliases.toml，
可按本单位习惯修改。</p>
</body>
</html>
"""


def _paragraphs(text: str) -> str:
    parts = [p.strip() for p in (text or "").replace("<br>", "\n").split("\n") if p.strip()]
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in parts) or "<p></p>"


def _default(definition) -> str:
    value = definition.defaultValue()
    if value is None or value == "":
        return ""
    if definition.type() == "enum":
        options = definition.options()
        try:
            indices = value if isinstance(value, list) else [int(value)]
            return "、".join(options[i] for i in indices)
        except (TypeError, ValueError, IndexError):
            return str(value)
    if definition.type() == "boolean":
        return "是" if value else "否"
    if definition.type() == "number":
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:g}"
    return str(value)


def output_fields() -> dict[str, list[tuple[str, list[str]]]]:
    """Fixed output fields by algorithm: [(output description, field names)]."""
    from liangwei.liangwei_plugin import determination, farmland_ratio, overlay
    from liangwei.liangwei_plugin.register.statistics import METRICS
    from liangwei.processing_algs import flag_overdue

    return {
        "overlaycheck": [("叠加分析结果（输入图斑的字段之后）", list(overlay.SUMMARY_FIELDS) + ["<保护区图层名>_m2"]
                          + list(overlay.TAIL_FIELDS)),
                         ("叠加分析明细", list(overlay.DETAIL_FIELDS))],
        "determine": [("规划认定结果（叠加分析结果的字段之后）", list(determination.OUTPUT_FIELDS))],
        "farmlandratio": [("违法占耕比统计表", list(farmland_ratio.OUTPUT_FIELDS))],
        "casestatistics": [("案件统计表", ["dimension", "group_name"] + [k for k, _ in METRICS])],
        "flagoverdue": [("超期案件", [n for n, _ in flag_overdue.OUTPUT_FIELDS])],
        "missedgridreports": [("漏报清单", ["date", "unit_code", "unit_name", "township", "reporter"])],
    }


def field_table(alg_id: str, tables: list[tuple[str, list[str]]]) -> str:
    from liangwei.liangwei_plugin.vector_io import field_aliases

    out = ["<h2>输出字段</h2>"]
    for caption, names in tables:
        output = "OUTPUT_DETAIL" if "明细" in caption else "OUTPUT"
        aliases = field_aliases([n for n in names if not n.startswith("<")], alg_id, output)
        rows = []
        for name in names:
            alias = aliases.get(name) or ("<保护区图层名>面积（平方米）" if name.startswith("<") else "")
            rows.append(f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(alias)}</td></tr>")
        out.append(f"<h3>{html.escape(caption)}</h3>\n<table>\n<tr><th>字段名</th><th>中文名（别名）</th></tr>\n"
                   + "\n".join(rows) + "\n</table>")
    return "\n".join(out)


def pages() -> dict[str, str]:
    """{file name: HTML} of every algorithm of the provider."""
    from qgis.core import Qgis

    from liangwei.processing_algs.provider import algorithm_classes

    fields = output_fields()
    out = {}
    for cls in algorithm_classes():
        alg = cls()
        alg.initAlgorithm({})
        params, outputs = [], []
        for d in alg.parameterDefinitions():
            if d.isDestination():
                continue
            optional = bool(d.flags() & Qgis.ProcessingParameterFlag.Optional)
            kind = TYPE_NAMES.get(d.type(), d.type())
            params.append(f"<tr><td>{html.escape(d.description())}</td><td>{kind}</td>"
                          f"<td>{'否' if optional else '是'}</td><td>{html.escape(_default(d))}</td></tr>")
        for d in alg.destinationParameterDefinitions():
            kind = TYPE_NAMES.get(d.type(), d.type())
            outputs.append(f"<tr><td>{html.escape(d.description())}</td><td>{kind}</td></tr>")
        out[f"{alg.ALG_ID}.html"] = PAGE.format(
            title=html.escape(alg.displayName()), group=html.escape(alg.group()), alg_id=alg.ALG_ID,
            summary=_paragraphs(alg.shortHelpString()), parameters="\n".join(params),
            outputs="\n".join(outputs) or "<tr><td>（无）</td><td></td></tr>",
            fields=field_table(alg.ALG_ID, fields[alg.ALG_ID]) if alg.ALG_ID in fields else "")
    return out


def main() -> int:
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    for name, text in pages().items():
        (HELP_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {HELP_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
