"""`kpi init`: a starter project from each documented pattern, whose examples pass `kpi test` at
once; existing files are never overwritten."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kpidsl.cli.init import patterns

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(p.stem for p in (ROOT / "docs" / "patterns").glob("*.kpi"))


def test_the_patterns_are_the_documented_ones(kpi) -> None:  # type: ignore[no-untyped-def]
    assert sorted(patterns()) == NAMES and "attendance_bonus" in NAMES
    r = kpi("init", "--list")
    assert r.returncode == 0
    assert [line.split()[0] for line in r.stdout.splitlines()] == NAMES
    assert "attendance_bonus     出勤考核与全勤奖" in r.stdout


@pytest.mark.parametrize("name", NAMES)
def test_init_then_kpi_test_passes(kpi, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "proj"
    r = kpi("init", project, "--from", name)
    assert r.returncode == 0, r.stderr
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == sorted(
        [f"{name}.kpi", f"examples/{name}.csv", f"examples/{name}.expected.csv", ".pre-commit-config.yaml",
         ".github/workflows/kpi.yml"])
    tested = kpi("test", project)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert " passed, 0 failed" in tested.stdout
    assert kpi("check", project).returncode == 0


def test_init_refuses_to_overwrite_and_names_the_files(kpi, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "okr_scoring.csv").write_text("mine\n", encoding="utf-8")
    (tmp_path / ".pre-commit-config.yaml").write_text("mine\n", encoding="utf-8")
    r = kpi("init", tmp_path, "--from", "okr_scoring")
    assert r.returncode == 2
    assert "already has examples/okr_scoring.csv, .pre-commit-config.yaml" in r.stderr
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "okr_scoring.kpi").exists()  # nothing written at all
    unknown = kpi("init", tmp_path / "x", "--from", "nope")
    assert unknown.returncode == 2 and "no pattern 'nope'" in unknown.stderr and "attendance_bonus" in unknown.stderr
    missing = kpi("init", tmp_path / "y")
    assert missing.returncode == 2 and "say which pattern" in missing.stderr


def test_the_pre_commit_config_is_valid(kpi, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pre_commit = shutil.which("pre-commit") or str(Path(__import__("sys").executable).parent / "pre-commit")
    assert kpi("init", tmp_path, "--from", "call_centre").returncode == 0
    r = subprocess.run([pre_commit, "validate-config", str(tmp_path / ".pre-commit-config.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    text = (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "entry: kpi check" in text and "entry: kpi test ." in text
