"""Backends: each translates the same scoring IR (kpidsl/ir.py)."""
