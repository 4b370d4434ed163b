"""Warehouse facts (``pipelines.warehouse.metadata``) as Dagster metadata values for the UI."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.report import markdown_escape
from pipelines.warehouse.metadata import Preview, TableFacts


def preview_markdown(preview: Preview, total: int | None = None) -> str:
    """A Markdown table of ``preview`` (cells escaped, so titles show as written); with
    ``total``, a last line saying how many rows there are beyond the ones shown."""
    if not preview.rows:
        return "_no rows_"
    lines = [
        "| " + " | ".join(markdown_escape(c) for c in preview.columns) + " |",
        "|" + "---|" * len(preview.columns),
    ]
    lines += ["| " + " | ".join(markdown_escape(v) for v in row) + " |" for row in preview.rows]
    if total is not None and total > len(preview.rows):
        lines += ["", f"_{len(preview.rows)} of {total:,} rows shown_"]
    return "\n".join(lines)


def table_metadata(facts: TableFacts) -> dict[str, dg.MetadataValue]:
    """Row count (Dagster's standard ``dagster/row_count``; none for a view) and a preview of the
    first rows."""
    metadata = {"preview": dg.MetadataValue.md(preview_markdown(facts.preview, facts.row_count))}
    if facts.row_count is not None:
        metadata["dagster/row_count"] = dg.MetadataValue.int(facts.row_count)
    return metadata
