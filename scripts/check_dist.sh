#!/usr/bin/env bash
# The release check: build the sdist and the wheel from a clean copy of the tree, check both
# with twine (the metadata PyPI would show, the README rendered), and install the wheel in a
# fresh venv to see that `kpi` runs and finds its grammar.  Run from the repository's root:
#   bash scripts/check_dist.sh            (python: $PYTHON, default python3)
set -euo pipefail
PYTHON=${PYTHON:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$PYTHON" -m build --sdist --wheel --outdir "$out/dist" "$root" >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
"$PYTHON" -m twine check --strict "$out"/dist/*
# what must be inside: the licence in both, the grammar in the wheel
"$PYTHON" - "$out/dist" <<'PY'
import sys, tarfile, zipfile, pathlib
dist = pathlib.Path(sys.argv[1])
wheel = next(dist.glob("*.whl")); sdist = next(dist.glob("*.tar.gz"))
names = zipfile.ZipFile(wheel).namelist()
assert "kpidsl/kpi.lark" in names, "the wheel lacks the grammar"
assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names), "the wheel lacks LICENSE"
members = tarfile.open(sdist).getnames()
for need in ("LICENSE", "CHANGELOG.md", "README.md", "grammar/kpi.lark"):
    assert any(m.endswith("/" + need) for m in members), f"the sdist lacks {need}"
print(f"contents ok: {wheel.name}, {sdist.name}")
PY
"$PYTHON" -m venv "$out/venv"
"$out/venv/bin/pip" install --quiet "$out"/dist/*.whl
"$out/venv/bin/kpi" check "$root/rubrics" >/dev/null
echo "dist ok: built, twine-checked, installed and ran kpi check"
