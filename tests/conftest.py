"""What every test shares: the helpers' folder on sys.path, the `write`, `kpi`, `postgres` and
`spark` fixtures, the engine markers, and the rule that in CI (CI set) no test skips."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# The helpers (sql_diff, engines, nodejs, rubric_gen, ...) sit beside this file and the tests
# sit in folders below it: every test imports a helper by its bare name.
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

IN_CI = bool(os.environ.get("CI"))

# A test that uses one of these fixtures needs that engine and gets its marker.  The session
# fixtures among them are also an xdist group each, so that one worker starts the server or the
# JVM and runs all their tests (`--dist loadgroup` in pyproject.toml).
FIXTURE_MARKERS = ("spark", "postgres", "browser")
GROUPED = ("spark", "postgres")
# The engine markers `--quick` leaves out, with `slow`.
NOT_QUICK = ("slow", "spark", "postgres", "browser", "node", "lsp")
QUICK_EXAMPLES = "20"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--quick", action="store_true",
                     help=("the quick tier: leave out the " + ", ".join(NOT_QUICK) + " tests, and try "
                           + QUICK_EXAMPLES + " generated cases where a test reads KPI_EXAMPLES (pyproject.toml)"))


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--quick"):
        # The property tests that read KPI_EXAMPLES try fewer generated cases in the quick tier
        # (xdist's workers inherit it); the full run keeps each module's own number.
        os.environ.setdefault("KPI_EXAMPLES", QUICK_EXAMPLES)


def group_of(nodeid: str) -> str | None:
    """The worker group of a test, from its id alone (xdist's scheduler sees ids, not items): the
    Spark and PostgreSQL modules, and any test named `..._on_spark...` / `..._on_postgres...` or
    run with the parameter `postgres`."""
    path, _, name = nodeid.partition("::")
    for group in GROUPED:
        if path.endswith(f"test_sql_{group}.py") or f"_on_{group}" in name or f"[{group}-" in name or f"[{group}]" in name:
            return group
    return None


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    # xdist 3.8's loadgroup marks a group by rewriting item._nodeid, which pytest 9 no longer reads
    # (a test's id is item._id): the groups never reached the scheduler and each worker started its
    # own JVM.  This scheduler takes the group from the id instead.
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid) or nodeid

    return ByGroup(config, log)


@pytest.hookimpl(tryfirst=True)  # before xdist's hook, which reads the xdist_group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in FIXTURE_MARKERS:
            if fixture in getattr(item, "fixturenames", ()) or item.get_closest_marker(fixture):
                item.add_marker(fixture)
                if fixture in GROUPED:
                    item.add_marker(pytest.mark.xdist_group(fixture))
                    if group_of(item.nodeid) != fixture:  # keeps a new test from starting a second JVM
                        raise pytest.UsageError(f"{item.nodeid} uses {fixture}: name it `..._on_{fixture}...` "
                                                f"so that tests/conftest.py runs it in the {fixture} group")
    dropped: list[pytest.Item] = []
    if os.geteuid() == 0:  # root writes into a read-only folder: those tests cannot fail as root
        dropped += [i for i in items if i.get_closest_marker("unprivileged")]
    if config.getoption("--quick"):
        dropped += [i for i in items if any(i.get_closest_marker(m) for m in NOT_QUICK)]
    if dropped:
        gone = set(map(id, dropped))
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if id(i) not in gone]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if os.geteuid() == 0:
        terminalreporter.write_line("as root, the tests marked `unprivileged` (a read-only folder) were deselected")


def _in_ci(reason: str) -> str:
    return f"skipped in CI, where every test must run (a missing engine is a broken install): {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = _in_ci(reason)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    report = yield
    if IN_CI and report.skipped:  # a module-level importorskip
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = _in_ci(reason)
    return report


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
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
        assert first is not None
        return first
    return _write


@pytest.fixture
def kpi() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real `kpi` command line in a subprocess, as CI and users do."""
    def _run(*args: object, cwd: Path | str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)],
                              capture_output=True, text=True, cwd=cwd or ROOT, timeout=120)
    return _run


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A real PostgreSQL server for the session (Debian's package; see tests/pg_server.py): psycopg's
    connection.  Skips on a developer's machine without it, fails in CI."""
    import pg_server

    psycopg = pytest.importorskip("psycopg")
    found = pg_server.binaries()
    if found is None:
        pytest.skip("the PostgreSQL tests need Debian's postgresql (apt-get install postgresql; .ci/run installs it)")
    with pg_server.running(found) as conninfo:
        # a query that runs away fails the test instead of holding the machine
        with psycopg.connect(**conninfo, autocommit=True, options="-c statement_timeout=120s") as con:
            yield con


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the worker (a JVM takes seconds to start): exact DECIMAL,
    ANSI mode on.  Skips on a developer's machine without pyspark, fails in CI."""
    pytest.importorskip("pyspark")
    from engines import Spark
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("kpidsl-sql-test")
               .config("spark.sql.ansi.enabled", "true")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "1")
               # The tables are a few rows: compiling each huge query to Java (whole-stage codegen,
               # janino) and re-planning it adaptively cost far more than evaluating it
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .config("spark.sql.adaptive.enabled", "false")
               .getOrCreate())
    yield Spark(session)
    session.stop()
