"""A throwaway primary and a hot standby (``pg_basebackup -R``) on this machine, for the read
replica tests: small, on free ports, stopped and removed at the end even on failure."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hub.db.embedded import SUPERUSER, find_bin_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port

SMALL = {"shared_buffers": "32MB", "max_connections": "60", "fsync": "off",
         "synchronous_commit": "on", "jit": "off", "wal_level": "replica",
         "max_wal_senders": "4", "hot_standby": "on", "log_min_messages": "warning"}


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        args = ["runuser", "-u", SUPERUSER, "--", *args]
    proc = subprocess.run(args, capture_output=True, text=True, check=False, cwd="/")
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(args)}` failed: {proc.stderr.strip() or proc.stdout}")
    return proc


@dataclass
class Node:
    """One cluster: its data directory, socket directory and port."""

    bin_dir: Path
    data: Path
    sockets: Path
    port: int

    def url(self, dbname: str = "hub") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        options = " ".join(f"-c {k}={v}" for k, v in SMALL.items())
        options += f" -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.sockets}'" \
                   f" -p {self.port}"
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l",
              str(self.data / "server.log"), "-o", options, "-w", "-t", "30", "start"])

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "stop"])


@contextlib.contextmanager
def primary_and_standby(prepare: Callable[[str], None]) -> Iterator[tuple[Node, Node]]:
    """A running primary (``prepare(url)`` run on its ``hub`` database before the copy) and
    a hot standby streaming from it."""
    bin_dir = find_bin_dir()
    home = Path(tempfile.mkdtemp(prefix="hub-test-replicas-"))
    os.chmod(home, 0o755)
    primary = Node(bin_dir, home / "primary", home / "run", free_port())
    standby = Node(bin_dir, home / "standby", home / "run", free_port())
    try:
        if os.geteuid() == 0:
            pw = pwd.getpwnam(SUPERUSER)
            for path in (home, primary.sockets):
                path.mkdir(exist_ok=True)
                os.chown(path, pw.pw_uid, pw.pw_gid)
        _run([str(bin_dir / "initdb"), "-D", str(primary.data), "-U", SUPERUSER,
              "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"])
        primary.start()
        _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
              SUPERUSER, "hub"])
        prepare(primary.url())
        _run([str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
              "-U", SUPERUSER, "-D", str(standby.data), "-R", "-X", "stream",
              "--checkpoint=fast"])
        standby.start()
        yield primary, standby
    finally:
        for node in (standby, primary):
            with contextlib.suppress(RuntimeError):
                node.stop()
        shutil.rmtree(home, ignore_errors=True)
