"""The Neovim setup docs/editors.md gives for Neovim 0.7+, run in the Neovim the machine has
(Debian 12 ships 0.7.2): the block is read from the page itself, so the page cannot drift."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lsp

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 100)
local out = { filetype = vim.bo.filetype, clients = #vim.lsp.buf_get_clients(0), codes = {} }
for _, d in ipairs(vim.diagnostic.get(0)) do table.insert(out.codes, d.code or d.message) end
io.stdout:write(vim.fn.json_encode(out) .. "\\n")
vim.cmd("qa!")
"""


def _older_versions_block() -> str:
    page = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    neovim = page[page.index("## Neovim"):page.index("## Helix")]
    blocks = re.findall(r"```lua\n(.*?)```", neovim, flags=re.S)
    return next(b for b in blocks if "start_client" in b)


def test_the_documented_setup_gives_kpi_files_a_filetype_and_the_servers_diagnostics(tmp_path):
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("Neovim is not installed (apt-get install neovim)")
    (tmp_path / "init.lua").write_text(_older_versions_block(), encoding="utf-8")
    (tmp_path / "probe.lua").write_text(PROBE, encoding="utf-8")
    # 90 points where the rubric's total is 100: the server's KPI101 must reach the buffer
    (tmp_path / "a.kpi").write_text('rubric "t"\ninput late "迟到": count\n'
                                    'item a "A" points 90 { deduct 1 per late }\n', encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kpi = bin_dir / "kpi"  # `kpi` on the PATH, as a user's install puts it: this checkout's
    kpi.write_text(f"#!/bin/sh\nexec {sys.executable} -m kpidsl.cli.main \"$@\"\n", encoding="utf-8")
    kpi.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run([nvim, "--headless", "-u", "init.lua", "a.kpi", "-c", "luafile probe.lua"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    line = next((x for x in done.stdout.splitlines() if x.startswith("{")), None)
    assert line is not None, (done.stdout, done.stderr)
    got = json.loads(line)
    assert got["filetype"] == "kpi" and got["clients"] == 1
    assert "KPI101" in got["codes"], got
