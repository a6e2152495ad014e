"""Document numbers (文书编号) from a never-reused sequence, e.g. ``×自然资责改〔2026〕第17号``.

The registry is a small SQLite file: every number issued is a row that is never deleted, so a
number is never given twice, and a patch asks again for its number and gets the same one (a
resumed or repeated batch keeps its numbers).  SQLite's transactions make allocation atomic
even when two batches share one registry on a network folder.
"""
from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .values import fill

REGISTRY_NAME = "文书编号登记.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS numbers (
    series  TEXT NOT NULL,     -- report | notice
    year    INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    key     TEXT NOT NULL,     -- the patch id the number was issued for
    number  TEXT NOT NULL,     -- the formatted document number
    issued  TEXT NOT NULL,
    PRIMARY KEY (series, year, n),
    UNIQUE (series, key)
);
"""


class NumberRegistry:
    """Allocates document numbers; ``number(series, key)`` is idempotent per (series, key)."""

    def __init__(self, path: str | Path, patterns: dict[str, str], values: dict | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.patterns = patterns
        self.values = dict(values or {})
        self._db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def numbers(self, series: str, keys: Iterable[str], year: int | None = None) -> dict[str, str]:
        """Numbers of many patches in one transaction (existing numbers are kept)."""
        year = int(year or _dt.date.today().year)
        pattern = self.patterns.get(series, "〔{year}〕第{n}号")
        out: dict[str, str] = {}
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for key in keys:
                row = db.execute("SELECT number FROM numbers WHERE series=? AND key=?", (series, key)).fetchone()
                if row:
                    out[key] = row[0]
                    continue
                n = db.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM numbers WHERE series=? AND year=?",
                               (series, year)).fetchone()[0]
                number = fill(pattern, {**self.values, "year": year, "n": n})
                db.execute("INSERT INTO numbers(series, year, n, key, number, issued) VALUES (?,?,?,?,?,?)",
                           (series, year, n, key, number, _dt.datetime.now().isoformat(timespec="seconds")))
                out[key] = number
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return out

    def number(self, series: str, key: str, year: int | None = None) -> str:
        return self.numbers(series, [key], year)[key]

    def issued(self, series: str) -> list[tuple[int, int, str, str]]:
        """(year, n, key, number) of every number issued in a series."""
        return list(self._db.execute("SELECT year, n, key, number FROM numbers WHERE series=? ORDER BY year, n",
                                     (series,)))
