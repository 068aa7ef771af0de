"""Every translation of the IR handles every node of ``ir.Expr`` and ``ir.Cond``.

mypy proves it statically (each dispatch ends in ``assert_never``); this proves it in the
suite too, so a node added to a union and forgotten by one backend fails here, whether or
not a generated rubric happens to use it.  The nodes are built from the unions themselves,
field by field, so a new node is tested without editing this file (a field of a new kind
fails ``build`` until it is taught here).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from kpidsl import interpret, ir
from kpidsl.backends.form import javascript
from kpidsl.backends.python import codegen
from kpidsl.backends.sql.types import Dialect, SQLError
from kpidsl.backends.sql.values import Bool, Layers, Translator, Val
from kpidsl.engine.fused import _plain_steps
from kpidsl.numbers.semantics import ScoreError

EXPRS: tuple[type, ...] = typing.get_args(ir.Expr)
CONDS: tuple[type, ...] = typing.get_args(ir.Cond)

# a value for each text field the IR has, that every backend accepts
TEXT = {"op": "+", "mode": "half up", "column": "x", "step": "s", "func": "sum", "over": "team", "message": "no score",
        "Cmp.op": "<"}


def build(cls: type) -> Any:
    """A small instance of one IR node: its expressions the constants 2, 3 … in order, its
    conditions ``2 < 3``."""
    hints = typing.get_type_hints(cls, vars(ir))
    args: dict[str, Any] = {}
    leaf = 2
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if hint is Decimal:
            args[f.name] = Decimal("0.5")
        elif hint == Decimal | None:  # an aggregate's percentile: none
            args[f.name] = None
        elif hint is str:
            args[f.name] = TEXT.get(f"{cls.__name__}.{f.name}", TEXT[f.name])
        elif hint == ir.Expr:
            args[f.name] = ir.Const(Decimal(leaf))
            leaf += 1
        elif hint == ir.Cond:
            args[f.name] = ir.Cmp("<", ir.Const(Decimal(2)), ir.Const(Decimal(3)))
        elif hint == tuple[ir.Expr, ...]:
            args[f.name] = (ir.Const(Decimal(2)), ir.Const(Decimal(3)))
        elif hint == tuple[ir.Cond, ...]:
            args[f.name] = (ir.Cmp("<", ir.Const(Decimal(2)), ir.Const(Decimal(3))),) * 2
        else:
            raise AssertionError(f"teach build() a field of type {hint} ({cls.__name__}.{f.name})")
    return cls(**args)


def python_expr(e: ir.Expr) -> object:
    return codegen.Emitter().expr(e, "score")


def python_cond(c: ir.Cond) -> object:
    return codegen.Emitter().cond(c, "score")


def js_expr(e: ir.Expr) -> object:
    return javascript._Emitter().expr(e)


def js_cond(c: ir.Cond) -> object:
    return javascript._Emitter().cond(c)


def _translator() -> Translator:
    t = Translator(Dialect("duckdb"), Layers(), {"x": 0})
    t.steps["s"] = t.const(1)
    return t


def sql_expr(e: ir.Expr) -> object:
    return _translator().value(e)


def sql_cond(c: ir.Cond) -> object:
    return _translator().cond(c)


def _agg(func: str, step: str, over: str, at: Decimal | None) -> Decimal:
    return Decimal(7)


def interpret_expr(e: ir.Expr) -> object:
    return interpret.value(e, {"x": Decimal(1)}, {"s": Decimal(1)}, _agg)


def interpret_cond(c: ir.Cond) -> object:
    return interpret.truth(c, {"x": Decimal(1)}, {"s": Decimal(1)}, _agg)


def fused_shape(e: ir.Expr) -> object:
    return _plain_steps([ir.Step("t", "item", e)], {})


def ir_children(n: ir.Node) -> object:
    return list(ir.walk(n))


def ir_inline(n: ir.Node) -> object:
    return ir.inline(n, {"s": ir.Const(Decimal(4))})


# each translator, what it returns, and the nodes it refuses on purpose (with the error it raises)
EXPR_TRANSLATORS: dict[str, tuple[Callable[[Any], object], type | tuple[type, ...], dict[type, type[Exception]]]] = {
    "python": (python_expr, str, {}),
    "javascript": (js_expr, str, {ir.Agg: TypeError}),  # a form scores one person, never a batch
    "sql": (sql_expr, Val, {ir.Agg: SQLError}),  # outside a batch query's window
    "interpret": (interpret_expr, Decimal, {ir.Fail: ScoreError}),  # evaluating a Fail is the data error
    "fused": (fused_shape, set, {}),
    "ir.walk": (ir_children, list, {}),
    "ir.inline": (ir_inline, tuple(EXPRS), {}),
}
COND_TRANSLATORS: dict[str, tuple[Callable[[Any], object], type | tuple[type, ...]]] = {
    "python": (python_cond, str),
    "javascript": (js_cond, str),
    "sql": (sql_cond, Bool),
    "interpret": (interpret_cond, bool),
    "ir.walk": (ir_children, list),
    "ir.inline": (ir_inline, tuple(CONDS)),
}


def test_the_unions_are_closed_sets_of_frozen_final_dataclasses() -> None:
    assert len(EXPRS) == 12 and len(CONDS) == 6
    for cls in EXPRS + CONDS:
        assert dataclasses.is_dataclass(cls), cls
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        assert getattr(cls, "__final__", False), cls  # mypy narrows ``type(e) is`` by it
    assert not set(EXPRS) & set(CONDS)


@pytest.mark.parametrize("backend", sorted(EXPR_TRANSLATORS))
@pytest.mark.parametrize("node", EXPRS, ids=lambda c: c.__name__)
def test_every_expression_node_is_translated(backend: str, node: type) -> None:
    translate, returns, refused = EXPR_TRANSLATORS[backend]
    e = build(node)
    if node in refused:
        with pytest.raises(refused[node]):
            translate(e)
    else:
        assert isinstance(translate(e), returns)


@pytest.mark.parametrize("backend", sorted(COND_TRANSLATORS))
@pytest.mark.parametrize("node", CONDS, ids=lambda c: c.__name__)
def test_every_condition_node_is_translated(backend: str, node: type) -> None:
    translate, returns = COND_TRANSLATORS[backend]
    assert isinstance(translate(build(node)), returns)


def test_the_interpreter_gives_each_node_its_hand_worked_value() -> None:
    # the nodes ``build`` makes, worked by hand: leaves 2 and 3, x = 1, step s = 1, any aggregate 7
    expected = {ir.Const: Decimal("0.5"), ir.Cell: Decimal(1), ir.Ref: Decimal(1), ir.Bin: Decimal(5),
                ir.Neg: Decimal(-2), ir.Min: Decimal(2), ir.Max: Decimal(3), ir.If: Decimal(2),
                ir.Round: Decimal(2), ir.Agg: Decimal(7),
                ir.Sqrt: Decimal("1.4142135623730950488")}  # √2 = 1.41421356237309504880|17: 20 places
    assert set(expected) == set(EXPRS) - {ir.Fail}
    for node, value in expected.items():
        assert interpret_expr(build(node)) == value, node.__name__
    with pytest.raises(ScoreError, match="^no score: 2$"):
        interpret_expr(build(ir.Fail))
    # 2 < 3 is true: And and Or of two of them too, Not of it false, IsTrue(2) true; x holds 1: Given
    truths = {ir.Cmp: True, ir.And: True, ir.Or: True, ir.Not: False, ir.IsTrue: True, ir.Given: True}
    assert set(truths) == set(CONDS)
    for node, truth in truths.items():
        assert interpret_cond(build(node)) is truth, node.__name__
    # a blank cell (None) of a column that may be blank is not given
    assert interpret.truth(ir.Given("x"), {"x": None}, {}) is False
    assert interpret.truth(ir.Given("x"), {}, {}) is False


@dataclasses.dataclass(frozen=True)
class Stranger:
    """A node no union holds: what a backend sees if a new node is added and forgotten."""
    a: ir.Expr


@pytest.mark.parametrize("translate", [python_expr, js_expr, sql_expr, interpret_expr, fused_shape, ir_children],
                         ids=lambda f: f.__name__)
def test_a_node_a_backend_forgot_stops_it_loudly(translate: Callable[[Any], object]) -> None:
    with pytest.raises(AssertionError):
        translate(Stranger(ir.Const(Decimal(1))))
