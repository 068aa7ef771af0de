"""``kpi lsp``: a Language Server Protocol server for .kpi files (pygls over stdio).

``analysis`` parses and checks a document (pure, no LSP types), ``keywords`` says which
keywords the grammar accepts at a cursor, ``features`` turns an analysis into LSP answers,
and ``server`` wires them to pygls.
"""
