"""`kpi import`: a scorecard table (.xlsx, .csv, .docx) read into a draft rubric.

``tables`` reads the cells, ``header`` finds the header row and what each column holds,
``phrases`` reads the common criteria phrasings as rules, ``draft`` builds the syntax tree and
prints it through the project's printer.  Nothing here checks the draft: the command line runs
the checker on it and turns back into placeholders (``todo``) the items it objects to."""
