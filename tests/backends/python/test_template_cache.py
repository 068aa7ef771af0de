"""Jinja's cache of compiled templates (backends/python.py): a cache that cannot be
written or holds a damaged file never stops code generation; the templates are then
compiled as if there were no cache."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader

from kpidsl.backends.python.codegen import _QuietCache


def _render(cache: _QuietCache) -> str:
    env = Environment(loader=PackageLoader("kpidsl", "templates"), bytecode_cache=cache, keep_trailing_newline=True)
    return env.get_template("spelled.py.j2").module.spelled([("v0", None)])


def test_a_cache_folder_that_is_gone_is_skipped(tmp_path):
    cache = _QuietCache(str(tmp_path / "no-such-folder"))
    assert "t0 = str(v0)" in _render(cache)


def test_a_damaged_cache_file_is_skipped(tmp_path):
    cache = _QuietCache(str(tmp_path))
    want = _render(cache)
    files = list(Path(tmp_path).glob("__jinja2_*.cache"))
    assert files  # not vacuous: the first render wrote the cache
    for f in files:  # cut short: the header and checksum hold, the compiled code does not
        f.write_bytes(f.read_bytes()[:-40])
    assert _render(_QuietCache(str(tmp_path))) == want
