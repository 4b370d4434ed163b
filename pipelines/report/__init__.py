"""The trend report: one self-contained HTML page of what is rising, drawn from the marts.

``charts`` turns small series into inline SVG (pure, no I/O); ``render`` reads the marts through a
read-only DuckDB connection and writes ``index.html`` atomically.
"""
