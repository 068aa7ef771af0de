"""Lowering the result statements (pay, award, pool, streak, quota, flags) to steps and
batch rules: the second half of ``lower.py``'s ``Lowerer.lower``, after the grades."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl import ir
from kpidsl.syntax import ast
from kpidsl.syntax.printer import condition_text, expr_text

if TYPE_CHECKING:
    from kpidsl.lower.lowerer import Lowerer

ZERO = ir.Const(Decimal(0))
ONE = ir.Const(Decimal(1))
HUNDRED = Decimal(100)


def lower_results(lw: Lowerer, money: tuple[Decimal, str]) -> tuple[list[ir.BestOf], list[ir.Pool], list[ir.Streak], list[ir.Flag], list[ir.Quota], list[ir.WhenFlag]]:
    """(best of, pools, streaks, ranking flags, quotas, condition flags), emitting each
    statement's steps in the result phase."""
    best_of, pools, streaks, flags, quotas, when_flags = [], [], [], [], [], []
    for s in lw.stmts:
        if isinstance(s, ast.Pay):
            value = lw.expr(s.expr)
            if s.when is not None:
                value = ir.If(lw.cond(s.when), value, ZERO)
            when = f" when {condition_text(s.when)}" if s.when is not None else ""
            lw._emit(ir.Step(s.name, "pay", ir.Round(value, *money), s.label, s.span.line,
                               why=expr_text(s.expr) + when))
        elif isinstance(s, ast.Award):
            eligible: list[ir.Cond] = []
            if s.when is not None:
                eligible.append(lw.cond(s.when))
            if s.requires is not None:
                eligible.append(lw.cond(ast.GradeTest("at least", s.requires, s.span)))
            gate = (eligible[0] if len(eligible) == 1 else ir.And(tuple(eligible))) if eligible else None
            if s.best_of is None:
                amount = ir.Const(s.amount.value)
                value = ir.Round(ir.If(gate, amount, ZERO) if gate else amount, *money)
                lw._emit(ir.Step(s.name, "award", value, s.label, s.span.line, why=f"award {s.amount}"))
            else:
                lw._aux += 1
                eligible_step = lw._emit(ir.Step(f"_eligible{lw._aux}", "aux",
                                                   ir.If(gate, ONE, ZERO) if gate else ONE))
                compared = lw._emit(ir.Step(f"_best{lw._aux}", "aux", lw.expr(s.best_of.expr)))
                tie_by = getattr(s.best_of, "tie_by", ())  # a RankedBestOf's
                ties = []
                for e in tie_by:
                    lw._aux += 1
                    ties.append(lw._emit(ir.Step(f"_tie{lw._aux}", "aux", lw.expr(e))))
                best_of.append(ir.BestOf(s.name, s.label, s.amount.value, compared, s.best_of.group, eligible_step,
                                         tuple(ties), tuple(expr_text(e) for e in tie_by),
                                         getattr(s.best_of, "pick_by", None)))
        elif isinstance(s, ast.Pool):
            # A share of a team amount is an aggregate over the team, so pays may use it
            # like any other value; the batch check makes sure the team agrees on the amount.
            pooled = lw._emit(ir.Step(f"_pool_{s.name}", "aux", lw.expr(s.expr)))
            share = ir.Bin("/", ir.Agg("max", pooled, s.shared_by), ir.Agg("count", pooled, s.shared_by))
            lw._emit(ir.Step(s.name, "pool", ir.Round(share, *money), s.label, s.span.line,
                               why=f"{expr_text(s.expr)}, shared by {s.shared_by}"))
            pools.append(ir.Pool(s.name, s.label, pooled, s.shared_by))
        elif isinstance(s, ast.Streak):
            lw._aux += 1
            holds = lw._emit(ir.Step(f"_streak{lw._aux}", "aux", ir.If(lw.cond(s.when), ONE, ZERO)))
            streaks.append(ir.Streak(s.name, s.label, holds, int(s.periods.value), s.action,
                                     s.amount.value if s.amount is not None else None, s.flag))
        elif isinstance(s, ast.Quota):
            ties = []
            for e in s.tie_by:
                lw._aux += 1
                ties.append(lw._emit(ir.Step(f"_tie{lw._aux}", "aux", lw.expr(e))))
            quotas.append(ir.Quota(s.grade, s.at_most.value / (HUNDRED if s.at_most.suffix == "%" else 1),
                                   s.at_most.suffix == "%", s.per, tuple(ties),
                                   tuple(expr_text(e) for e in s.tie_by)))
        elif isinstance(s, ast.WhenFlag):
            raised = lw._emit(ir.Step(f"_flag_{s.name}", "flag", ir.If(lw.cond(s.when), ONE, ZERO),
                                        s.label, s.span.line, why=f"flag when {condition_text(s.when)}"))
            when_flags.append(ir.WhenFlag(s.name, s.label, raised))
        elif isinstance(s, ast.Flag):
            flags.append(ir.Flag(s.name, s.label, s.bottom.value / (HUNDRED if s.bottom.suffix == "%" else 1),
                                 s.bottom.suffix == "%", s.per))
    return best_of, pools, streaks, flags, quotas, when_flags
