"""Warehouse facts (``pipelines.warehouse.metadata``) as Dagster metadata values for the UI."""

from __future__ import annotations

from collections.abc import Collection

import dagster as dg

from pipelines.warehouse.metadata import Preview, TableFacts


def preview_table(preview: Preview, numbers: Collection[str] = ()) -> dg.TableMetadataValue:
    """``preview`` as a Dagster table: a column per preview column (``numbers`` typed int, the
    rest strings as the preview wrote them), a record per row, an empty cell as null. Dagster
    shows the cells as text, so titles show as written."""
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, "int" if name in numbers else "string") for name in preview.columns
        ]
    )
    records = [
        dg.TableRecord(
            {
                name: (int(value) if name in numbers and value else value or None)
                for name, value in zip(preview.columns, row, strict=True)
            }
        )
        for row in preview.rows
    ]
    return dg.MetadataValue.table(records, schema=schema)


def rows_shown(preview: Preview, total: int) -> dg.TextMetadataValue:
    """How many of ``total`` rows a preview shows: ``5 of 1,234 rows shown``."""
    return dg.MetadataValue.text(f"{len(preview.rows)} of {total:,} rows shown")


def table_metadata(facts: TableFacts) -> dict[str, dg.MetadataValue]:
    """Row count (Dagster's standard ``dagster/row_count``; none for a view) and a preview of the
    first rows, with how many of them it shows."""
    metadata: dict[str, dg.MetadataValue] = {"preview": preview_table(facts.preview)}
    if facts.row_count is not None:
        metadata["dagster/row_count"] = dg.MetadataValue.int(facts.row_count)
        metadata["preview_shown"] = rows_shown(facts.preview, facts.row_count)
    return metadata
