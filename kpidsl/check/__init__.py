"""The checker's concerns, one module each: names and units, tiers and bands,
reachable ranges, weights.  ``kpidsl.check.checker`` runs them as one pass."""
