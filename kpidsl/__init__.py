"""kpidsl: a declarative language and compiler for performance-appraisal rubrics.

The pipeline, one module a pass: ``parser`` (text -> ``ast``), ``loader``
(resolves ``use``), ``checker`` (diagnostics), then lowering and backends.
"""

__version__ = "0.1.0"
