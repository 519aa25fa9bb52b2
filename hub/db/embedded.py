"""A private PostgreSQL + PostGIS cluster under ``.hub/`` for when no ``DATABASE_URL`` is given.

The cluster listens on a unix socket inside ``.hub/run`` and on a port of 127.0.0.1 chosen
free the first time and kept across stops and starts (``.hub/db.json``), so a running app
finds it again after a restart. Commits are synchronous: an acknowledged write survives a
crash.
``initdb`` refuses to run as root, so when the caller is root the cluster is owned and run by
the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "hub"
SUPERUSER = "postgres"
POSTGIS_PACKAGE_HINT = (
    "PostGIS is not installed for PostgreSQL {major}: install it with "
    "`apt-get install -y postgresql-{major}-postgis-3` (Debian/Ubuntu; run `apt-get update` first)"
)
_SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "shared_buffers": "'512MB'",
    "work_mem": "'32MB'",
    "maintenance_work_mem": "'512MB'",
    "synchronous_commit": "on",
    "max_wal_size": "'4GB'",
    "jit": "off",
    "log_min_messages": "warning",
}


class EmbeddedError(RuntimeError):
    """The embedded cluster cannot be created, started or reached; the message says why."""


@dataclass(frozen=True)
class ClusterInfo:
    """Where a running embedded cluster can be reached."""

    data_dir: Path
    socket_dir: Path
    port: int
    pid: int | None

    @property
    def url(self) -> str:
        """A libpq URL for the hub database over the unix socket."""
        return f"postgresql://{SUPERUSER}@/{DB_NAME}?host={self.socket_dir}&port={self.port}"

    @property
    def tcp_url(self) -> str:
        """A libpq URL for the hub database over TCP (for tools in other processes)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DB_NAME}"


def find_bin_dir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: ``pg_config --bindir``, else the newest Debian one."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    candidates.extend(Path(p) for p in reversed(debian))
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise EmbeddedError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found through pg_config or "
        "/usr/lib/postgresql/*/bin: install them with `apt-get install -y postgresql`"
    )


def _major(bin_dir: Path) -> str:
    out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True)
    return out.stdout.strip().split()[-1].split(".")[0]


def check_postgis(bin_dir: Path) -> None:
    """Raise with the exact package to install when PostGIS is missing for this server."""
    share = (
        subprocess.run(
            [str(bin_dir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=False
        )
        if (bin_dir / "pg_config").exists()
        else None
    )
    major = _major(bin_dir)
    share_dir = Path(share.stdout.strip()) if share and share.returncode == 0 else None
    if share_dir is None:
        share_dir = Path(f"/usr/share/postgresql/{major}")
    if not (share_dir / "extension" / "postgis.control").exists():
        raise EmbeddedError(POSTGIS_PACKAGE_HINT.format(major=major))


class EmbeddedCluster:
    """Create, start, stop and describe the cluster that lives under ``home``."""

    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        self.data_dir = self.home / "pgdata"
        self.state_file = self.home / "db.json"
        self.log_file = self.home / "postgres.log"
        self.socket_dir = self._socket_dir()

    def _socket_dir(self) -> Path:
        # A unix socket path is limited to 107 bytes; fall back to /tmp for deep checkouts.
        preferred = self.home / "run"
        if len(str(preferred)) + len("/.s.PGSQL.65535") < 100:
            return preferred
        digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"hub-{digest}"

    # -- running as the right user ---------------------------------------------------------
    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        if self._as_root():
            args = ["runuser", "-u", SUPERUSER, "--", *args]
        proc = subprocess.run(args, capture_output=True, text=True, check=False, cwd="/")
        if check and proc.returncode != 0:
            raise EmbeddedError(f"`{' '.join(args)}` failed: {proc.stderr.strip() or proc.stdout}")
        return proc

    def _own(self, *paths: Path) -> None:
        if not self._as_root():
            return
        pw = pwd.getpwnam(SUPERUSER)
        for path in paths:
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, pw.pw_uid, pw.pw_gid)
        # postgres must be able to traverse to the data directory.
        for parent in [self.home, *self.home.parents]:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)

    # -- state -----------------------------------------------------------------------------
    def _read_state(self) -> dict[str, int] | None:
        try:
            state: dict[str, int] = json.loads(self.state_file.read_text())
            return state
        except (FileNotFoundError, ValueError):
            return None

    def _pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, PermissionError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def status(self) -> ClusterInfo | None:
        """The running cluster, or None."""
        state = self._read_state()
        pid = self._pid()
        if state is None or pid is None:
            return None
        return ClusterInfo(self.data_dir, self.socket_dir, int(state["port"]), pid)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, *, wait_s: float = 30.0) -> ClusterInfo:
        """Create the cluster when new, start it when stopped, and ensure the database exists."""
        running = self.status()
        if running is not None:
            return running
        bin_dir = find_bin_dir()
        check_postgis(bin_dir)
        self.home.mkdir(parents=True, exist_ok=True)
        self._own(self.data_dir, self.socket_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ]
            )
        port = self._port()
        options = " ".join(f"-c {k}={v}" for k, v in _SERVER_SETTINGS.items())
        options += f" -c unix_socket_directories='{self.socket_dir}' -p {port}"
        log = self.log_file
        if self._as_root():
            log.touch()
            pw = pwd.getpwnam(SUPERUSER)
            os.chown(log, pw.pw_uid, pw.pw_gid)
        self._run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                str(int(wait_s)),
                "start",
            ]
        )
        self.state_file.write_text(json.dumps({"port": port}))
        info = self.status()
        if info is None:
            raise EmbeddedError(f"PostgreSQL did not start; see {log}")
        self._ensure_database(bin_dir, info)
        return info

    def _ensure_database(self, bin_dir: Path, info: ClusterInfo) -> None:
        psql = [
            str(bin_dir / "psql"),
            "-h",
            str(info.socket_dir),
            "-p",
            str(info.port),
            "-U",
            SUPERUSER,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
        ]
        exists = self._run(
            [
                *psql,
                "-d",
                "postgres",
                "-c",
                f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'",
            ]
        )
        if exists.stdout.strip() != "1":
            self._run([*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{DB_NAME}"'])

    def _port(self) -> int:
        """The port of earlier runs while it is free, else a new free one."""
        state = self._read_state()
        if state is not None and _port_free(int(state["port"])):
            return int(state["port"])
        return _free_port()

    def stop(self, *, immediate: bool = False) -> bool:
        """Stop the cluster (``immediate``: as a crash would, with no shutdown checkpoint);
        False when it was not running. The port is kept for the next start."""
        if self.status() is None:
            return False
        bin_dir = find_bin_dir()
        mode = "immediate" if immediate else "fast"
        self._run([str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"])
        return True

    def wait_ready(self, timeout_s: float = 10.0) -> None:
        """Block until the server accepts connections."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            info = self.status()
            if info and _port_open(info.port):
                return
            time.sleep(0.1)
        raise EmbeddedError("the embedded PostgreSQL did not become ready")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_free(port: int) -> bool:
    """Whether PostgreSQL could listen on ``port`` (it sets SO_REUSEADDR too, so connections
    of its previous run still in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
