"""A throw-away PostgreSQL/PostGIS cluster on loopback for the register tests and bench.

Uses Debian's postgresql-15 binaries (package postgresql-15-postgis-3, in scripts/setup.sh).
initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` system user
and the binaries run through ``runuser``.  The unix socket lives in the cluster's temp dir.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def postgis_available() -> bool:
    return bool(glob.glob("/usr/share/postgresql/*/extension/postgis.control"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self):
        bindir = pg_bindir()
        if bindir is None or not postgis_available():
            raise RuntimeError("未安装 PostgreSQL/PostGIS（Debian 包 postgresql-15-postgis-3）")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="liangwei-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres"
        self.dbname = "liangwei_test"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> PgCluster:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}"
                " -c fsync=off -c full_page_writes=off -c max_connections=50 -c shared_buffers=64MB")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")
        import psycopg2

        deadline = time.time() + 30
        while True:
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres")
                break
            except psycopg2.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        conn.autocommit = True
        conn.cursor().execute(f"CREATE DATABASE {self.dbname}")
        conn.close()
        conn = psycopg2.connect(self.dsn())
        conn.autocommit = True
        conn.cursor().execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.close()
        return self

    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={self.dbname}"

    def uri(self, schema: str = "public") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.dbname}?schema={schema}"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
