"""The checker as passes over one program, run in the order ``checker.PASSES`` states,
over one ``base.Context`` per check; ``formulas.Formulas`` works out units and ranges."""
