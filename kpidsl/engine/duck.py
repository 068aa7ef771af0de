"""DuckDB as the embedded engine of ``kpi eval --engine duckdb``: the rubric's SQL
(``backends/sql.py``) run over a table of rows, the answers read back as the
Python evaluator's ``Result`` objects, so every output format writes them the same way.

A CSV file is read by DuckDB itself, every cell as text, and typed by the reading
query of ``backends/sql_cells.py``; the rows it marks bad are few, and go to the
Python reader for the words of the error.  Other formats (XLSX, JSON) are read and
validated in Python, then loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpidsl import ir
from kpidsl.backends.sql import cells as sql_cells
from kpidsl.backends.sql import query as sql
from kpidsl.backends.sql import text as sql_text
from kpidsl.backends.sql.values import cell_places
from kpidsl.data import periods, problems
from kpidsl.data.cells import SPACES
from kpidsl.data.encoding import text_encoding
from kpidsl.data.files import Layout, read_table
from kpidsl.data.validate import DataError, DataProblems, Row, Validator
from kpidsl.engine.result import NOT_APPLICABLE, Result

TABLE = "input"
ID = "_kpi_id"  # file index << 32 | row number: unique across the files of one run
RAW = "_kpi_raw"
MAX_BAD = 1000  # rows handed back to the Python reader for their errors; more are not listed


MEMORY_LIMIT = "1GB"  # beyond it DuckDB spills to its temporary folder: memory stays flat in rows


class Fallback(Exception):
    """Something this engine cannot do exactly, said in ``note``: the caller scores the data
    in Python instead, so both engines give the same answer or the same refusal."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


class Unkept(Fallback):
    """A cell the Python reader takes holds more decimal places than its SQL column keeps:
    DuckDB would round it."""

    def __init__(self, file: str, row: int):
        super().__init__(f"{file}:{row}: a number with more decimal places than DuckDB keeps")
        self.file, self.row = file, row


def _refuse_case_clash(plan: ir.Plan) -> None:
    """DuckDB takes names that differ only in case for one column, quoted or not (``Rate`` and
    ``rate`` would be one input): such a rubric is scored in Python."""
    seen: dict[str, str] = {}
    names = [plan.person, plan.period, *plan.groups, *(c.name for c in plan.columns),
             *(s.name for s in (*plan.score_steps, *plan.result_steps))]
    for name in names:
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise Fallback(f"the names {other!r} and {name!r} differ only in case, which DuckDB does not tell apart")


def connect() -> Any:
    """An in-memory DuckDB that spills to a private temporary folder past MEMORY_LIMIT."""
    import atexit
    import shutil
    import tempfile

    import duckdb  # an optional dependency: `pip install 'kpidsl[sql]'`

    con = duckdb.connect(":memory:")
    spill = tempfile.mkdtemp(prefix="kpi-duckdb-")
    atexit.register(shutil.rmtree, spill, True)
    con.execute(f"SET temp_directory = '{_literal(spill)}'")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = true")
    return con


def _q(name: str) -> str:
    """A DuckDB identifier, quoted (column titles come from the data, names from a rubric)."""
    return '"' + name.replace('"', '""') + '"'


def _columns(plan: ir.Plan) -> list[tuple[str, str]]:
    keys = [(k, "VARCHAR") for k in (plan.person, plan.period, *plan.groups)]
    cells = [(c.name, f"DECIMAL(38, {cell_places(c)})") for c in plan.columns]
    return [*keys, (ID, "BIGINT"), *cells]


def _create(con: Any, plan: ir.Plan) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} (" + ", ".join(f"{_q(n)} {t}" for n, t in _columns(plan)) + ")")


def _insert_rows(con: Any, plan: ir.Plan, rows: Iterable[Row], index: int) -> None:
    """Rows read in Python into the input table; raises Unkept for a cell its DECIMAL column
    would round (DuckDB rounds on insert, without a word)."""
    names = [c.name for c in plan.columns]
    places = [cell_places(c) for c in plan.columns]
    values = []
    for r in rows:
        cells = [r.cells.get(n) for n in names]
        for x, p in zip(cells, places):
            if x is not None and -x.as_tuple().exponent > p and x != round(x, p):  # type: ignore[operator]
                raise Unkept(r.file, r.number)
        values.append([r.person, r.period, *[r.groups.get(g, "") for g in plan.groups], index << 32 | r.number,
                       *cells])
    if values:
        con.executemany(f"INSERT INTO {TABLE} VALUES (" + ", ".join("?" for _ in _columns(plan)) + ")", values)


def _load_file(con: Any, plan: ir.Plan, path: Path, index: int, percent: str, mapping: dict[str, str] | None,
               needs_groups: Iterable[str], errors: list[DataError], layout: Layout) -> bool:
    """A CSV or Parquet file into the input table, every cell read as text and typed in SQL.
    False, with nothing loaded, for a CSV whose shape DuckDB's reader does not take (rows of
    another length, a header ending in LF and rows in CRLF, text that is not UTF-8, a header
not in row 1): the caller reads it as Python does."""
    if path.suffix.lower() == ".parquet":
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW}p AS SELECT * FROM read_parquet(?)", [str(path)])
        except Exception as e:  # duckdb.Error: not a Parquet file, or a broken one
            raise ValueError(f"{path}: cannot read this file as Parquet ({str(e).splitlines()[0]})") from None
        described = con.execute(f"SELECT * FROM {RAW}p LIMIT 0").description
        header = [d[0] for d in described]
        # every cell as text, as a CSV cell would be (a DOUBLE 0.93 is '0.93')
        con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT "
                    + ", ".join(f"CAST({_q(h)} AS VARCHAR) AS {_q(h)}" for h in header) + f" FROM {RAW}p")
    else:
        if layout.header_row not in (None, 1) or text_encoding(path) != "utf-8-sig":
            return False
        header, rows = read_table(path, layout)  # the header, and the file's shape and encoding, checked as in Python
        first = next(rows, None)
        if first is not None and first[0] != 2:  # a title row above the header
            return False
    v = Validator(plan, str(path), header, percent, mapping, needs_groups)
    if v.errors:
        errors += v.errors
        return True
    if path.suffix.lower() != ".parquet":
        import duckdb  # loaded already: this connection is DuckDB's

        if _has_blank_line(path):  # DuckDB skips it uncounted: every later row's number would be one short
            return False
        try:
            # skip = 0: left to itself the sniffer takes a file with a short row for one whose
            # header is its last line, and reads no row at all
            con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM read_csv(?, all_varchar = true, "
                        "header = true, skip = 0, delim = ',', quote = '\"', escape = '\"')", [str(path)])
        except duckdb.Error:  # the sniffer's or the parser's refusal
            return False
    titles = [d[0] for d in con.execute(f"SELECT * FROM {RAW} LIMIT 0").description]
    if path.suffix.lower() != ".parquet" and titles != header:  # DuckDB read another header than Python
        con.execute(f"DROP TABLE {RAW}")
        return False
    raw = [f"_kpi_c{i}" for i in range(len(titles))]
    # numbered as the Python reader numbers rows: the header is row 1
    # a row whose every cell is blank (",,,,") is skipped, as the Python reader skips it
    blank = " AND ".join(f"COALESCE(TRIM({_q(t)}, '{_literal(SPACES)}'), '') = ''" for t in titles) or "false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW}n AS SELECT (CAST({index} AS BIGINT) << 32) + rowid + 2 AS {ID}, "
                + ", ".join(f"{_q(t)} AS {r}" for t, r in zip(titles, raw)) + f" FROM {RAW} WHERE NOT ({blank})")
    keys: dict[str, str | None] = {plan.person: raw[v.person_col]}  # type: ignore[index]  # v.errors is empty
    keys[plan.period] = raw[v.period_col] if v.period_col is not None else None  # no period column: ''
    keys.update({g: raw[i] if i is not None else None for g, i in v.group_cols.items()})
    read = sql_cells.reading(plan, f"{RAW}n", keys, {n: raw[i] for n, i in v.index.items()}, ID, percent)
    names = ", ".join(_q(n) for n, _ in _columns(plan))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _kpi_read AS {read.sql(dialect='duckdb')}")
    con.execute(f"INSERT INTO {TABLE} ({names}) SELECT {names} FROM _kpi_read WHERE NOT {sql_cells.BAD}")
    con.execute(f"DROP TABLE {RAW}")  # read: only its numbered copy stays, for the bad rows' cells
    bad = con.execute(f"SELECT {', '.join(raw)}, {ID} FROM {RAW}n JOIN _kpi_read USING ({ID}) "
                      f"WHERE {sql_cells.BAD} ORDER BY {ID} LIMIT {MAX_BAD + 1}").fetchall()
    if not bad:
        return True
    v.errors = errors
    for values in bad[:MAX_BAD]:
        number = values[-1] & 0xFFFFFFFF
        before = len(errors)
        v.row(number, list(values[:-1]))
        if len(errors) == before:  # Python reads it: a number SQL's DECIMAL(38) column cannot keep
            raise Unkept(str(path), number)
    if len(bad) > MAX_BAD:
        errors.append(DataError(str(path), bad[MAX_BAD][-1] & 0xFFFFFFFF, None,
                                f"more than {MAX_BAD} rows have problems; the rest are not listed"))
    return True


def _has_blank_line(path: Path) -> bool:
    """Whether the file has an empty line (LF, CRLF or CR line ends): the Python reader counts it
    as a row, DuckDB's reader does not.  One pass at memory speed over the mapped file."""
    import mmap

    with path.open("rb") as f:
        try:
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file
            return False
        with m:
            return any(m.find(pattern) != -1 for pattern in (b"\n\n", b"\n\r\n", b"\r\r"))


def _load(con: Any, plan: ir.Plan, paths: list[Path], percent: str, mapping: dict[str, str] | None,
          needs_groups: Iterable[str], read_rows: Callable[..., Any] | None, watch: Callable[[Any, str], AbstractContextManager[None]],
          layout: Layout | None = None) -> None:
    """Every file into the input table; raises DataProblems with every problem in the data."""
    _create(con, plan)
    errors: list[DataError] = []
    for index, path in enumerate(paths):
        # an item marked not applicable in the row (a list column, or n/a in its cells) is
        # read by the Python reader, which knows which cells it empties
        if path.suffix.lower() in (".csv", ".txt", ".parquet") and not any(c.may_be_na for c in plan.columns):
            with watch(con, f"reading {path.name}"):
                if _load_file(con, plan, path, index, percent, mapping, needs_groups, errors, layout or Layout()):
                    continue
        assert read_rows is not None
        try:
            _insert_rows(con, plan, read_rows(plan, [path], percent, mapping, needs_groups, layout=layout), index)
        except DataProblems as e:
            errors += e.errors
    con.execute(f"CREATE OR REPLACE TEMP VIEW _kpi_keys AS SELECT {ID}, {_q(plan.person)} AS _kpi_person, "
                f"{_q(plan.period)} AS _kpi_period FROM {TABLE}")
    errors += _duplicates_in(con, paths)
    if errors:
        raise DataProblems(errors)


def _duplicates_in(con: Any, paths: list[Path]) -> list[DataError]:
    """A person twice in one period, in the Python reader's words (the later row named)."""
    found = con.execute(f"SELECT first, later FROM (SELECT min({ID}) OVER w AS first, {ID} AS later, "
                        "row_number() OVER w AS n FROM _kpi_keys WINDOW w AS (PARTITION BY _kpi_person, "
                        f"_kpi_period ORDER BY {ID})) WHERE n > 1 ORDER BY later").fetchall()
    return [DataError(str(paths[later >> 32]), later & 0xFFFFFFFF, None, "this person appears twice in the same period",
                      hint=f"the first is {paths[first >> 32]}:{first & 0xFFFFFFFF}") for first, later in found]


def _no_watch(_con: Any, _label: str) -> AbstractContextManager[None]:
    return nullcontext()


def score_files(plan: ir.Plan, paths: list[Path], percent: str = "strict", mapping: dict[str, str] | None = None,
                needs_groups: Iterable[str] = (), read_rows: Callable | None = None,
                watch: Callable[[Any, str], AbstractContextManager] | None = None,
                layout: Layout | None = None) -> list[Result]:
    """Every row of every file scored on DuckDB; raises DataProblems with every problem.
    ``read_rows`` reads a file the engine does not read itself (XLSX, JSON) in Python;
    ``watch(con, label)`` wraps each long step (a progress bar that asks DuckDB how far it is)."""
    _refuse_case_clash(plan)
    watch = watch or _no_watch
    con = connect()
    try:
        _load(con, plan, paths, percent, mapping, needs_groups, read_rows, watch, layout)
        with watch(con, "scoring"):
            return run(con, plan, [str(p) for p in paths])
    finally:
        con.close()


def score_files_to_csv(plan: ir.Plan, paths: list[Path], out: Path, percent: str = "strict",
                       mapping: dict[str, str] | None = None, needs_groups: Iterable[str] = (),
                       read_rows: Callable | None = None,
                       watch: Callable[[Any, str], AbstractContextManager] | None = None,
                       layout: Layout | None = None) -> tuple[int, int]:
    """Score every file and write the results as ``kpi eval`` writes a CSV, byte for byte,
    by DuckDB itself (no row passes through Python); returns the rows scored and all rows.  Raises
    DataProblems, and writes nothing, when a row cannot be scored."""
    from kpidsl.engine.output import Table, atomic_path

    _refuse_case_clash(plan)
    watch = watch or _no_watch
    con = connect()
    try:
        _load(con, plan, paths, percent, mapping, needs_groups, read_rows, watch, layout)
        query = sql.build(plan, "duckdb", TABLE, ID, check_inputs=False)  # read by kpi: checked
        with watch(con, "scoring"):
            con.execute(f"CREATE OR REPLACE TEMP TABLE _kpi_scored AS {query.sql(pretty=False)}")
        found = con.execute(f"SELECT {ID}, {sql.ERROR}, {sql.ERROR_COLUMN}, {sql.BATCH_ERROR} FROM _kpi_scored "
                            f"WHERE {sql.ERROR} IS NOT NULL OR {sql.BATCH_ERROR} IS NOT NULL ORDER BY {ID} "
                            f"LIMIT {MAX_BAD}").fetchall()
        if found:
            raise DataProblems([error(plan, str(paths[i >> 32]), i & 0xFFFFFFFF, e, about, b) for i, e, about, b in found])
        table = Table(plan)
        select = sql_text.spelled(plan, table, query)
        with atomic_path(out) as tmp, watch(con, "writing"):
            _copy(con, f"COPY ({select} FROM _kpi_scored ORDER BY {_q(ID)}) TO '{_literal(str(tmp))}' "
                  "(FORMAT csv, HEADER true, NEW_LINE '\r\n')")
        scored, rows = con.execute(f"SELECT count(*) FILTER (WHERE {sql.STATUS} = 'scored'), count(*) "
                                   "FROM _kpi_scored").fetchone()
        return scored, rows
    finally:
        con.close()


def error(plan: ir.Plan, file: str, number: int, problem: str | None, about: str | None,
          batch_problem: str | None) -> DataError:
    """A row's error from the query's error columns, as the Python evaluator words it: the
    column it is about, and the rubric line and the advice that go with it."""
    if problem is None:  # only a rule over rows went wrong: a pool
        return DataError(file, number, None, str(batch_problem), hint=problems.POOL_HINT)
    if about == "period":
        return DataError(file, number, about, problem, hint=problems.period_hint(problem, periods.kind_of(plan.outline.period)))
    column = next((c for c in plan.columns if c.name == about), None)
    if column is not None:  # a last period's cell
        return DataError(file, number, about, problem, column.line, problems.missing_last(column)[1])
    return DataError(file, number, None, problem)


def run(con: Any, plan: ir.Plan, files: list[str], rows: dict[int, Row] | None = None) -> list[Result]:
    """Score the input table; raises DataProblems with every row the rubric cannot score.
    ``rows`` (by id) are the Python rows when there are some; else rows are rebuilt from
    the keys the query returns."""
    query = sql.build(plan, "duckdb", TABLE, ID, check_inputs=False)  # read by kpi: checked
    cursor = con.execute(query.sql(pretty=False) + f" ORDER BY {_q(ID)}")
    names = [d[0] for d in cursor.description]
    at = {n: i for i, n in enumerate(names)}
    results: list[Result] = []
    errors: list[DataError] = []
    while True:
        chunk = cursor.fetchmany(10000)
        if not chunk:
            break
        for values in chunk:
            ident = values[at[ID]]
            row = rows[ident] if rows is not None else Row(
                files[ident >> 32], ident & 0xFFFFFFFF, values[at[plan.person]], values[at[plan.period]],
                {g: values[at[g]] for g in plan.groups}, {})
            e, b = values[at[sql.ERROR]], values[at[sql.BATCH_ERROR]]
            if e is not None or b is not None:
                errors.append(error(plan, row.file, row.number, e, values[at[sql.ERROR_COLUMN]], b))
                continue
            results.append(_result(query, row, values, at))
    if errors:
        raise DataProblems(errors)
    return results


def _result(query: sql.Query, row: Row, values: tuple, at: dict[str, int]) -> Result:
    if values[at[sql.STATUS]] == "excluded":
        return Result(row, "excluded", values[at[sql.REASON]])
    steps: dict[str, Decimal] = {name: values[at[name]] for name in query.steps}
    awards: dict[str, Decimal] = {name: values[at[name]] for name in query.awards}
    # one text, joined as every output joins notes: a note may itself hold "; "
    notes = [values[at[sql.NOTES]]] if values[at[sql.NOTES]] else []
    flags = [f for f in (values[at[sql.FLAGS]] or "").split("; ") if f]
    out = [item for i, item in enumerate(query.not_applicable) if values[at[sql.not_applicable_column(i)]]]
    return Result(row, steps=steps, grade=values[at[sql.GRADE]], awards=awards, flags=flags, notes=notes,
                  not_applicable=out)


def write_parquet(table: Any, results: list[Result], out: Path) -> None:
    """Results as a Parquet file: keys and texts as strings, every number as a DECIMAL of the
    places its column needs (the values as ``kpi eval`` spells them, so nothing is rounded)."""
    import csv
    import tempfile

    from kpidsl.engine.output import atomic_path, write_csv

    with tempfile.TemporaryDirectory() as folder:
        staged = Path(folder) / "results.csv"
        with staged.open("w", encoding="utf-8", newline="") as f:
            write_csv(table, results, f)
        with staged.open(encoding="utf-8", newline="") as f:
            rows = csv.reader(f)
            next(rows)
            places = [0] * len(table.columns)
            for r in rows:
                for i, text in enumerate(r):
                    if "." in text:
                        places[i] = max(places[i], len(text) - text.index(".") - 1)
        con = connect()
        try:
            columns = []
            for i, (_key, header, kind) in enumerate(table.columns):
                as_read = f"c{i}"
                # an item that does not apply is NULL in its number column (its note says why)
                value = (f"CAST(NULLIF(NULLIF({as_read}, ''), '{NOT_APPLICABLE}') AS DECIMAL(38, {places[i]}))"
                         if kind != "text"
                         else f"COALESCE({as_read}, '')")
                columns.append(f"{value} AS {_q(header)}")
            with atomic_path(out) as tmp:
                names = ", ".join(f"'c{i}'" for i in range(len(table.columns)))
                _copy(con, f"COPY (SELECT {', '.join(columns)} FROM read_csv(?, all_varchar = true, header = false, "
                      f"skip = 1, names = [{names}])) TO '{_literal(str(tmp))}' (FORMAT parquet)", [str(staged)])
        finally:
            con.close()


def _copy(con: Any, statement: str, params: list[str] | None = None) -> None:
    """A COPY ... TO a file; DuckDB's failure to write it (a full disk, a file too large) as the
    OSError every other writer raises, so ``atomic_path`` says it in words and removes the part."""
    import errno
    import os

    import duckdb

    try:
        con.execute(statement, params)
    except duckdb.IOException as e:
        said = str(e)
        for code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EACCES, errno.EROFS):
            if os.strerror(code) in said:
                raise OSError(code, os.strerror(code)) from None
        raise OSError(errno.EIO, f"cannot write the file ({said.splitlines()[0]})") from None


def _literal(text: str) -> str:
    return text.replace("'", "''")


def evaluate(plan: ir.Plan, rows: Iterable[Row]) -> list[Result]:
    """Rows validated in Python, scored on DuckDB (for the API and tests)."""
    con = connect()
    try:
        _create(con, plan)
        kept = list(rows)
        files = list(dict.fromkeys(r.file for r in kept))  # in the order given
        index = {f: i for i, f in enumerate(files)}
        for f in files:
            _insert_rows(con, plan, [r for r in kept if r.file == f], index[f])
        return run(con, plan, files, {index[r.file] << 32 | r.number: r for r in kept})
    finally:
        con.close()
