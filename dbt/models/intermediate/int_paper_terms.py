"""One row per paper: the distinct key phrases of its latest title and abstract, as 64-bit ids.

The extraction is pipelines.text.keyphrases (polars and numpy, vectorised: its docstring has the
rules), run on batches of papers that stream into the table, so memory stays bounded however
large the archive. Incremental (delete+insert on paper_id): only papers that are new, whose text
changed or whose first/last listing moved, and every paper when the rules, the stop words or
polars' version changed (extraction_version). Each row says how it changed since the previous
build (`change`), with the paper's previous phrases when its text changed, so that
int_surface_counts can apply the difference instead of counting every paper again.
int_paper_term_pairs shows the rows one (paper, term) per row; int_term_texts keeps the texts
behind the ids (new_surfaces).
"""

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

from pipelines.text import keyphrases

LISTS = ("term_ids", "surface_ids", "n_occurrences")
SCHEMA = (
    keyphrases.PAPER_TERMS.append(pa.field("first_seen", pa.date32()))
    .append(pa.field("last_seen", pa.date32()))
    .append(pa.field("change", pa.string()))
    .append(pa.field("previous_term_ids", keyphrases.PAPER_TERMS.field("term_ids").type))
    .append(pa.field("previous_surface_ids", keyphrases.PAPER_TERMS.field("surface_ids").type))
    .append(pa.field("previous_n_occurrences", keyphrases.PAPER_TERMS.field("n_occurrences").type))
    .append(pa.field("extraction_version", pa.string()))
    .append(pa.field("extracted_at", pa.timestamp("us")))
)


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="paper_id",
        incremental_strategy="delete+insert",
        on_schema_change="sync_all_columns",
    )
    batch_size = int(dbt.config.get("batch_papers"))
    # the batch's time (a YAML config rendered from run_started_at would be kept by partial parsing)
    extracted_at = datetime.now(UTC).replace(tzinfo=None)
    stopword_seed = dbt.ref("stopwords")
    stopwords = stopword_seed.pl()["word"].to_list()
    version = keyphrases.version(stopwords)

    papers = dbt.ref("int_papers__deduped").select(
        "paper_id, text_hash, title, abstract, first_seen, last_seen"
    )
    # a table written before this layout (the SQL model's one row per phrase, or before
    # first_seen/change) is extracted again in full: every paper's rows are replaced
    columns = (
        set(session.sql(f"select * from {dbt.this} limit 0").columns)
        if dbt.is_incremental
        else set()
    )
    incremental = (
        dbt.is_incremental and {"term_ids", "first_seen", "change", "extraction_version"} <= columns
    )
    if incremental:
        # the papers' state in this table, under this extraction version (lists left out)
        done = session.sql(
            f"select paper_id, text_hash, first_seen, last_seen from {dbt.this} "
            "where extraction_version = $1",
            params=[version],
        ).set_alias("d")
        todo = (
            papers.set_alias("p")
            .join(done, "p.paper_id = d.paper_id", how="left")
            .filter(
                "d.paper_id is null or p.text_hash <> d.text_hash "
                "or p.first_seen <> d.first_seen or p.last_seen <> d.last_seen"
            )
            .select(
                "p.*, case when d.paper_id is null then 'new' when p.text_hash = d.text_hash "
                "then 'relisted' else 'changed' end as change"
            )
        )
    else:
        todo = papers.select("*, 'new' as change")
    # the previous phrases of the papers whose text changed (few): their delta is applied downstream
    previous = pl.DataFrame(schema={"paper_id": pl.String})
    changed = (
        todo.filter("change = 'changed'").select("paper_id").pl()["paper_id"] if incremental else []
    )
    if len(changed):
        previous = session.sql(
            f"select paper_id, {', '.join(LISTS)} from {dbt.this} where paper_id in "
            f"(select unnest($1::varchar[]))",
            params=[changed.to_list()],
        ).pl()
        previous = previous.rename({name: f"previous_{name}" for name in LISTS})

    def batches():
        known = pl.Series("surface_id", [], dtype=pl.UInt64)
        for batch in todo.to_arrow_reader(batch_size):
            frame = pl.from_arrow(batch)
            if frame.height == 0:
                continue
            table = keyphrases.paper_terms(frame, stopwords, known)
            new = table.column("new_surfaces").combine_chunks().flatten().field("surface_id")
            known = pl.concat([known, pl.Series("surface_id", new)])
            state = frame.select("paper_id", "first_seen", "last_seen", "change").join(
                previous, on="paper_id", how="left", maintain_order="left"
            )
            for field in SCHEMA:
                if field.name in table.column_names:
                    continue
                if field.name == "extraction_version":
                    column = pa.array([version] * frame.height, pa.string())
                elif field.name == "extracted_at":
                    column = pa.array([extracted_at] * frame.height, pa.timestamp("us"))
                elif field.name in state.columns:
                    column = state[field.name].to_arrow().cast(field.type)
                else:
                    column = pa.nulls(frame.height, field.type)
                table = table.append_column(field, column)
            yield from table.select(SCHEMA.names).to_batches()

    return pa.RecordBatchReader.from_batches(SCHEMA, batches())
