"""A throwaway PostgreSQL server for the SQL backend's differential tests: Debian's
`postgresql` package (binaries under /usr/lib/postgresql/*/bin, or KPI_PG_BIN), a fresh
cluster in a temporary folder, listening on a unix socket only, stopped and removed
afterwards.  As root it runs as the `postgres` user, since initdb refuses root."""

from __future__ import annotations

import os
import pwd
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "kpi"
# The server's address space: a runaway query (say, one the planner blows up) fails with
# "out of memory" instead of calling the kernel's OOM killer on a shared machine.
MEMORY = int(os.environ.get("KPI_PG_MEMORY", str(4 << 30)))


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl, newest version first; None: not installed."""
    given = os.environ.get("KPI_PG_BIN")
    candidates = [Path(given)] if given else sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                                                    key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                                                    reverse=True)
    found = shutil.which("initdb")
    if found and not given:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@contextmanager
def running(bin_dir: Path) -> Iterator[dict[str, str]]:
    """Start a server; yield psycopg's connection keywords; stop it and delete its files."""
    base = Path(tempfile.mkdtemp(prefix="kpi-pg-"))  # short: a socket path has ~100 bytes
    data, log = base / "data", base / "log"
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
    try:
        try:
            subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
                                            "-E", "UTF8", "--locale=C", "--no-sync"]),
                           check=True, capture_output=True, text=True, timeout=120)
            # no TCP, the socket in our folder, and durability off: the data is thrown away
            options = f"-c listen_addresses='' -k {base} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                                            "-w", "-t", "60", "start"]),
                           preexec_fn=_limit_memory, check=True, capture_output=True, text=True, timeout=120)
        except subprocess.CalledProcessError as e:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {e.cmd}\n{e.stdout}\n{e.stderr}\n{tail}") from e
        try:
            yield {"host": str(base), "dbname": "postgres", "user": USER}
        finally:
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, timeout=120)
    finally:
        shutil.rmtree(base, ignore_errors=True)
