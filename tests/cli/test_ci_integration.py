"""Living in CI: pre-commit runs our hooks for real; SARIF validates against the SARIF 2.1.0 schema."""

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_pre_commit_runs_the_hooks_for_real(tmp_path):
    """`pre-commit try-repo` installs this repository's hooks from .pre-commit-hooks.yaml into
    its own environment, as a team's pre-commit would, and runs them on a temporary repo."""
    repo = tmp_path / "team"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "bad.kpi").write_text('rubric "x"\nitem a "A" points 90\n', encoding="utf-8")
    (repo / "messy.kpi").write_text('rubric   "y"\nitem a "A"   points 100\n', encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path),
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    check = subprocess.run(pre_commit + ["try-repo", str(ROOT), "kpi-check", "--files", "bad.kpi"],
                           cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "error[KPI101]" in check.stdout and "add up to 90, not 100" in check.stdout
    fmt = subprocess.run(pre_commit + ["try-repo", str(ROOT), "kpi-fmt", "--files", "messy.kpi"],
                         cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert fmt.returncode == 1 and "files were modified by this hook" in fmt.stdout, fmt.stdout + fmt.stderr
    assert (repo / "messy.kpi").read_text(encoding="utf-8") == 'rubric "y"\n\nitem a "A" points 100\n'


@pytest.fixture(scope="module")
def sarif_schema(tmp_path_factory):
    """The SARIF 2.1.0 JSON schema, as Microsoft's SARIF validator package ships it (npm)."""
    npm = shutil.which("npm")
    assert npm, "npm is needed to fetch the SARIF schema (.ci/run installs node)"
    d = tmp_path_factory.mktemp("sarif")
    r = subprocess.run([npm, "pack", "@microsoft/jest-sarif@1.0.0-beta.0", "--silent"], cwd=d, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with tarfile.open(next(d.glob("*.tgz"))) as t:
        member = next(m for m in t.getmembers() if m.name.endswith(".json") and "sarif-2.1.0" in m.name)
        return json.load(t.extractfile(member))


def test_sarif_output_is_valid_sarif_2_1_0(kpi, sarif_schema):
    import jsonschema

    r = kpi("check", "--format", "sarif", ROOT / "tests" / "fixtures" / "seed_mistakes")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, sarif_schema)
    results = doc["runs"][0]["results"]
    assert {x["ruleId"] for x in results} >= {"KPI101", "KPI120", "KPI121", "KPI111", "KPI130", "KPI131"}
    # a broken document is rejected, so the validation above means something
    broken = json.loads(r.stdout)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, sarif_schema)
