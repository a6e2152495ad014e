"""`make package` builds a ZIP that QGIS can install: plugin files only, and it loads."""
from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_package_zip_installs_and_loads(tmp_path):
    version = next(line.split("=", 1)[1].strip() for line in (ROOT / "metadata.txt").read_text().splitlines()
                   if line.startswith("version="))
    built = subprocess.run(["bash", str(ROOT / "scripts" / "package.sh")], check=True, capture_output=True,
                           text=True).stdout
    assert f"dist/liangwei-{version}.zip" in built  # named with its version
    zip_path = tmp_path / "liangwei.zip"
    subprocess.run(["bash", str(ROOT / "scripts" / "package.sh"), str(zip_path)], check=True,
                   capture_output=True)
    names = zipfile.ZipFile(zip_path).namelist()
    assert "liangwei/metadata.txt" in names and "liangwei/__init__.py" in names
    assert "liangwei/requirements.txt" in names  # for qpip
    assert all(n.startswith("liangwei/") for n in names)
    for forbidden in ("/tests/", "/bench/", "/sample/", "__pycache__", "/.venv/", "/build/", ".pyc", "/scripts/",
                      ".so", ".pyd", ".dll"):
        assert not any(forbidden in n for n in names), forbidden
    # the pure-Python packages travel along, each with its licence
    vendor = "liangwei/liangwei_plugin/_vendor/"
    for package in ("reportlab", "openpyxl", "et_xmlfile", "pypdf", "tomli", "charset_normalizer"):
        assert f"{vendor}{package}/{package}/__init__.py" in names, package
        assert any(n.startswith(f"{vendor}{package}/") and ".dist-info/" in n and
                   ("LICEN" in n.upper() or "COPYING" in n.upper()) for n in names), package

    # Install it the way "Install from ZIP" does (unpack into a plugins folder) and load it headless.
    plugins = tmp_path / "plugins"
    zipfile.ZipFile(zip_path).extractall(plugins)
    env = dict(os.environ)
    env["QGIS_PLUGINPATH"] = str(plugins)
    env["QGIS_CUSTOM_CONFIG_PATH"] = str(tmp_path / "config")
    env["PYTHONPATH"] = os.pathsep.join(p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                        if "build/plugins" not in p)
    qp = "/usr/bin/qgis_process.bin"
    subprocess.run([qp, "plugins", "enable", "liangwei"], env=env, check=True, capture_output=True)
    listing = subprocess.run([qp, "list"], env=env, check=True, capture_output=True, text=True).stdout
    assert "两违一张图审查" in listing
    assert "liangwei:samplecounty" in listing
