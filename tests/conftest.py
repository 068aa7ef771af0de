import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def write(tmp_path):
    """Write files into a temporary folder and return the path of the first."""
    def _write(files: dict[str, str] | str, name: str = "a.kpi") -> Path:
        if isinstance(files, str):
            files = {name: files}
        first = None
        for rel, text in files.items():
            p = tmp_path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
            first = first or p
        return first
    return _write


@pytest.fixture
def kpi():
    """Run the real `kpi` command line in a subprocess, as CI and users do."""
    import subprocess

    def _run(*args, cwd=None):
        return subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)],
                              capture_output=True, text=True, cwd=cwd or ROOT, timeout=120)
    return _run


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (Debian's package; see tests/pg_server.py): psycopg's
    connection keywords.  Skips on a developer's machine without it, fails in CI."""
    import os

    import pg_server

    try:
        import psycopg
    except ImportError:
        psycopg = None
    found = pg_server.binaries()
    if found is None or psycopg is None:
        message = ("the PostgreSQL tests need Debian's postgresql (apt-get install postgresql; .ci/run installs it)"
                   " and psycopg (pip install '.[test]')")
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing server is a broken install, not a skip
        pytest.skip(message)
    with pg_server.running(found) as conninfo:
        # a query that runs away fails the test instead of holding the machine
        with psycopg.connect(**conninfo, autocommit=True, options="-c statement_timeout=120s") as con:
            yield con
