"""Fused backend: the streaming path of ``kpi eval`` as one generated loop per file, from
the raw cells of each row to its output line (templates/fused.py.j2).

Reading and scoring are each generated already (``rows.py`` from the cell specs,
``python.py`` from the IR); run one after the other they hand every row over in a dict,
a ``Row`` and a list, which cost as much as the arithmetic.  Here the same two pieces of
generated code are put into one loop, with the cells in local variables from the text
to the output.  A row the loop declines (any cell in an uncommon spelling, a short row,
no id) goes whole to the general validator, so what is accepted and what is refused,
in what words, stays the validator's.

Safety: as in the two backends it is made of, column names and messages from the rubric
appear only as ``repr()`` literals and numbers as named ``Decimal`` constants.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, assert_never

from kpidsl import ir
from kpidsl.backends.python.codegen import Emitter, compiled_namespace, environment, one_pass_parts
from kpidsl.data.cells import MAX_WHOLE_DIGITS, CellSpec
from kpidsl.data.fast_reader import SHORT_FLOAT, reader_parts
from kpidsl.numbers.semantics import ScoreError
from kpidsl.numbers.spelling import FORMULA_STARTS, safe_text


class Declined(Exception):
    """The loop does not read this row itself."""


def compile_lines(plan: ir.Plan, cells: list[tuple[CellSpec, int]], person: int, period: int | None,
                  groups: list[int | None], any_types: bool) -> Callable:
    """``lines(rows, slow, seen, place, failed, no_grade)``: output lines of ``(number, values)``
    rows.  ``cells`` pairs the spec of each of ``plan.columns`` (in order; none optional)
    with its cell's index; ``person``, ``period`` and ``groups`` are the key cells' indices.
    ``any_types``: the cells may be numbers as well as text (XLSX, JSON).

    Per row the loop calls ``slow(number, values)`` for a row it declines (its line or
    None), ``failed(number, error)`` for a row a formula cannot score and
    ``no_grade(number, total)`` where no grade applies; each row it reads goes into
    ``seen`` (a ``DuplicateIndex``) at ``place | number``."""
    em = Emitter()
    parts = one_pass_parts(em, plan)
    cols, namespace = reader_parts(cells, prefix="B")
    before, after = plan.output_steps()
    plain = _plain_steps(plan.score_steps, {spec.column: _read_as(col, namespace) for col, (spec, _) in zip(cols, cells)})
    spelled = [(var, "str" if places is None and name in plain else places)
               for (var, places), name in zip(parts["outcome_spelled"], before + after)]
    labels = [safe_text(g.label or g.name) for g in plan.grades]
    keys = [("person", person), ("period", period), *((f"k{i}", index) for i, index in enumerate(groups))]
    source = environment().get_template("fused.py.j2").render(
        constants=[(name, text) for text, name in em.constants.items()], cols=cols,
        whole_digits=MAX_WHOLE_DIGITS, short_float=SHORT_FLOAT, keys=keys, scores=parts["text_scores"],
        grades=parts["text_grades"], results=parts["text_results"], spelled_vars=spelled, labels=labels,
        n_before=len(before), total_var=em.names.get("total", "None"))
    namespace.update(compiled_namespace())
    namespace.update({"DECLINED": Declined(), "Declined": Declined, "ScoreError": ScoreError,
                      "InvalidOperation": decimal.InvalidOperation, "DivisionByZero": decimal.DivisionByZero,
                      "FORMULA": FORMULA_STARTS, "LABELS": labels})
    namespace["__builtins__"] = {**namespace["__builtins__"], "hash": hash, "int": int, "TypeError": TypeError,
                                 "IndexError": IndexError, "AttributeError": AttributeError}
    code = compile(source, "<kpidsl fused>", "exec")
    exec(code, namespace)  # generated from the IR and the specs only; see the module docstring
    return namespace["lines_any" if any_types else "lines"]


# What is known of a value: (whole with exponent 0, not negative and not -0, not -0).
_Shape = tuple[bool, bool, bool]
_UNKNOWN: _Shape = (False, False, False)


def _read_as(col: dict, namespace: dict[str, Any]) -> _Shape:
    """The shape of every value the generated reader gives for one column."""
    if col["kind"] == "yes/no":
        return True, True, True  # ONE or ZERO
    if col["spellings"]:
        return _shape_of_all(namespace[col["spellings"]].values())
    if col["whole_text"]:
        return True, False, False  # digits, maybe a sign: "-0" reads as -0
    return _UNKNOWN


def _shape_of_all(values: Iterable[Decimal]) -> _Shape:
    values = list(values)
    return (all(x.as_tuple().exponent == 0 for x in values), all(not x.is_signed() for x in values),
            all(not (x.is_signed() and x == 0) for x in values))


def _plain_steps(steps: Iterable[ir.Step], cells: dict[str, _Shape]) -> set[str]:
    """The score steps whose every value is a whole number >= 0 without exponent, as the
    loop reads the cells: ``str()`` is their spelling, with nothing to check per row.
    Decimal gives -0 only from -0 operands, a negative times zero, or negation; each rule
    below follows from that."""
    known: dict[str, _Shape] = {}

    def shape(e: ir.Expr) -> _Shape:
        match e:
            case ir.Const():
                return _shape_of_all([e.value])
            case ir.Cell():
                return cells.get(e.column, _UNKNOWN)
            case ir.Ref():
                return known.get(e.step, _UNKNOWN)
            case ir.Fail():
                return True, True, True  # gives no value: it raises
            case ir.If():
                (wa, na, za), (wb, nb, zb) = shape(e.then), shape(e.else_)
                return wa and wb, na and nb, za and zb
            case ir.Bin():
                (wa, na, za), (wb, nb, zb) = shape(e.a), shape(e.b)
                if e.op == "+":
                    return wa and wb, na and nb, za or zb
                if e.op == "-":
                    return wa and wb, False, za
                if e.op == "*":
                    return wa and wb, na and nb, na and nb
                return _UNKNOWN
            case ir.Min() | ir.Max():
                shapes = [shape(a) for a in e.args]
                whole, no_minus_zero = all(s[0] for s in shapes), all(s[2] for s in shapes)
                if isinstance(e, ir.Min):
                    return whole, all(s[1] for s in shapes), no_minus_zero
                return whole, no_minus_zero and any(s[1] for s in shapes), no_minus_zero
            case ir.Neg() | ir.Round() | ir.Agg() | ir.Sqrt():
                return _UNKNOWN
            case _:
                assert_never(e)

    for step in steps:
        known[step.name] = shape(step.expr)
    return {name for name, (whole, non_negative, _) in known.items() if whole and non_negative}


__all__ = ["Declined", "compile_lines"]
