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
        return subprocess.run([sys.executable, "-m", "kpidsl.cli", *map(str, args)],
                              capture_output=True, text=True, cwd=cwd or ROOT, timeout=120)
    return _run
