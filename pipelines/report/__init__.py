"""The trend report: one self-contained HTML page of what is rising, drawn from the marts.

dbt computes every section (``reports.report_*``, dbt/models/reports); this package only draws
them. ``charts`` turns small series into inline SVG (pure, no I/O); ``read`` selects a model's
rows through a read-only DuckDB connection; ``style`` renders the Jinja2 templates of
``templates/`` (autoescaped, the stylesheet inlined); ``render`` writes ``index.html``,
``topics`` a page per topic and ``feeds`` the Atom feeds, each atomically.
"""
