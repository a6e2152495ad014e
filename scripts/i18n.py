#!/usr/bin/env python3
"""Keep resources/i18n/liangwei_en.ts in step with the code.

    python scripts/i18n.py update   # add new source strings, mark vanished ones
    python scripts/i18n.py check    # exit 1 listing strings without an English translation

Source strings are Chinese.  Collected: literal arguments of ``tr(...)`` / ``self.tr(...)``
(context "liangwei", see liangwei_plugin/i18n.py), string constants in the tables named in
TABLES (menu labels, group names), and the strings of forms/*.ui (context = the form's class).
"""
from __future__ import annotations

import ast
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "liangwei_en.ts"
CODE_DIRS = ("liangwei_plugin", "processing_algs", "gui")
# Module-level tables whose Chinese strings reach tr() through a variable (menu labels, group names,
# choice lists, column headers), and functions whose row labels do.
TABLES = {"GROUPS", "ALGORITHM_ACTIONS", "MENU_GROUPS", "SOURCES", "STOCK_KINDS", "DISPOSAL_KINDS", "COLUMNS",
          "HISTORY_COLUMNS", "CASE_COLUMNS", "FEATURE_NAMES"}
FUNCTIONS = {"patch_summary"}
# Stage names come from the workflow file and are shown through tr().
WORKFLOW = ROOT / "resources" / "workflow.toml"
CONTEXT = "liangwei"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def code_strings() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {CONTEXT: set()}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                    if name == "tr" and node.args and (text := _literal(node.args[0])) is not None:
                        found[CONTEXT].add(text)
                elif isinstance(node, ast.FunctionDef) and node.name in FUNCTIONS:
                    for sub in ast.walk(node):
                        text = _literal(sub)
                        if text and CJK.search(text) and "{" not in text:
                            found[CONTEXT].add(text)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(getattr(t, "id", None) in TABLES for t in targets) and node.value is not None:
                        for sub in ast.walk(node.value):
                            text = _literal(sub)
                            if text and CJK.search(text):
                                found[CONTEXT].add(text)
    if WORKFLOW.exists():
        import tomllib

        for stage in tomllib.loads(WORKFLOW.read_text(encoding="utf-8")).get("stage", []):
            if stage.get("name"):
                found[CONTEXT].add(stage["name"])
    for ui in sorted((ROOT / "forms").glob("*.ui")):
        root = ET.parse(ui).getroot()
        context = root.findtext("class") or ui.stem
        for string in root.iter("string"):
            if string.get("notr") != "true" and string.text and CJK.search(string.text):
                found.setdefault(context, set()).add(string.text)
    return found


def read_ts() -> dict[tuple[str, str], str]:
    if not TS.exists():
        return {}
    known = {}
    for context in ET.parse(TS).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            finished = translation is not None and translation.get("type") not in ("unfinished",)
            text = translation.text if finished else ""
            known[(name, message.findtext("source"))] = text or ""
    return known


def write_ts(strings: dict[str, set[str]], known: dict[tuple[str, str], str]) -> None:
    ts = ET.Element("TS", version="2.1", language="en_US", sourcelanguage="zh_CN")
    for context_name in sorted(strings):
        context = ET.SubElement(ts, "context")
        ET.SubElement(context, "name").text = context_name
        for source in sorted(strings[context_name]):
            message = ET.SubElement(context, "message")
            ET.SubElement(message, "source").text = source
            translation = ET.SubElement(message, "translation")
            text = known.get((context_name, source), "")
            if text:
                translation.text = text
            else:
                translation.set("type", "unfinished")
    ET.indent(ts)
    TS.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(ts, encoding="unicode")
    TS.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")


def missing_translations() -> list[tuple[str, str]]:
    known = read_ts()
    return [(c, s) for c, sources in code_strings().items() for s in sorted(sources) if not known.get((c, s))]


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "update"
    if command == "update":
        write_ts(code_strings(), read_ts())
        missing = missing_translations()
        print(f"i18n: {TS.relative_to(ROOT)} updated; {len(missing)} strings without translation")
        return 0
    if command == "check":
        missing = missing_translations()
        for context, source in missing:
            print(f"untranslated [{context}]: {source}")
        return 1 if missing else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
