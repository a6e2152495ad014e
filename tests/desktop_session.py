"""Real QGIS desktop under Xvfb for tests: a private display, a throw-away profile with the plugin
enabled, and clean shutdown of both."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Plugin enabled; no tips, news feed or version check popping up over the window.
PROFILE_INI = (
    "[PythonPlugins]\nliangwei=true\n\n[qgis]\ncheckVersion=false\nshowTips\\3.22=false\n"
    "newProjectDefault=false\n\n[core]\nNewsFeed\\httpsfeedqgisorg\\disabled=true\n"
)


def check_tools() -> None:
    for tool in ("Xvfb", "qgis", "import"):
        assert shutil.which(tool), f"{tool} missing: run `make setup`"


def make_profile(folder: Path) -> Path:
    """A profiles folder for ``qgis --profiles-path`` (it holds profiles/<name>/QGIS/QGIS3.ini)."""
    ini = folder / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text(PROFILE_INI, encoding="utf-8")
    return folder


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """Xvfb on a free display number (it reports the number itself); (process, ":N")."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        display = f.readline().strip()
    return proc, f":{display}"


def desktop_env(display: str, **extra: str) -> dict[str, str]:
    """The environment for desktop QGIS on ``display`` with this plugin on its plugin path."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    env.update(DISPLAY=display, QGIS_PLUGINPATH=str(ROOT / "build" / "plugins"), **extra)
    return env


def stop(proc: subprocess.Popen | None) -> None:
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch_qgis(profile: Path, script: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Desktop QGIS with ``profile``, running ``script`` at start-up; its output goes to ``log``."""
    with open(log, "wb") as log_file:
        return subprocess.Popen(
            ["qgis", "--nologo", "--noversioncheck", "--profiles-path", str(profile), "--code", str(script)],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )


def wait_for_report(report: Path, qgis: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Wait until the start-up script has written ``report``; fail with the end of QGIS's log if not."""
    deadline = time.time() + seconds
    while not report.exists() and time.time() < deadline and qgis.poll() is None:
        time.sleep(0.5)
    assert report.exists(), "QGIS desktop did not report: " + log.read_text(errors="replace")[-3000:]


def screenshot(display: str, path: Path) -> None:
    subprocess.run(["import", "-display", display, "-window", "root", str(path)], check=True, timeout=60)


def ask_to_quit(flag: Path, qgis: subprocess.Popen) -> None:
    """Touch the file the start-up script polls for, then give QGIS time to exit by itself."""
    flag.touch()
    try:
        qgis.wait(30)
    except subprocess.TimeoutExpired:
        pass
