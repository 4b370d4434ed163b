"""The trend report asset: one self-contained HTML page rendered from the marts after a refresh."""

import base64
from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from pipelines.defs.dbt import warehouse_models
from pipelines.defs.resources import WarehouseResource
from pipelines.report.render import REQUIRED_MODELS, ReportResult, write_report

# the marts the page reads, and its sections ready to draw (dbt/models/reports: views over those
# marts), by dbt model name: their asset keys are the dbt project's
MART_MODELS = (
    "topic_trends",
    "rising_topics",
    "emerging_terms",
    "papers",
    "paper_sightings",
    "trending_papers",
    "feed_papers",
    "weekly_digest",
    "topics",
    "topic_terms",
    "topic_papers",
)
MART_KEYS = [get_asset_key_for_model([warehouse_models], name) for name in MART_MODELS]
REPORT_MODEL_KEYS = [
    get_asset_key_for_model([warehouse_models], name.split(".")[1]) for name in REQUIRED_MODELS
]
TREND_REPORT = dg.AssetKey(["reports", "trend_report"])
MARKDOWN_SPECIALS = set("\\`*_{}[]<>()#+!|~")


class ReportFolder(dg.ConfigurableResource):
    """The folder the trend report is written to (as ``index.html``), e.g. ``data/reports``."""

    path: str


@dg.asset(
    key=TREND_REPORT,
    group_name="reports",
    deps=MART_KEYS + REPORT_MODEL_KEYS,
    kinds={"html"},
    description=(
        "Trend report: one self-contained HTML page (index.html in the report folder) showing "
        "what is rising in ML research: topic share over time, rising topics, emerging terms, "
        "papers per listing and the most re-listed papers with their code. Rendered from "
        "the report's dbt models (reports.report_*: each section ready to draw, from "
        "marts.topic_trends, rising_topics, emerging_terms, trending_papers, papers and "
        "paper_sightings) and a page per topic from marts.topics, topic_trends, topic_terms and "
        "topic_papers (read-only); open it in any browser, it fetches nothing. Beside it, two "
        "Atom feeds: feed.xml (the "
        "newly listed papers, from marts.feed_papers) and digest.xml (one entry per week, from "
        "marts.weekly_digest). The main chart is shown in this asset's metadata."
    ),
)
def trend_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, report_folder: ReportFolder
) -> dg.MaterializeResult:
    """Render the marts into ``<report folder>/index.html`` and show the main chart here."""
    # Like a writer, wait for a refresh in progress (ingest or dbt build) rather than fail.
    result = write_report(
        Path(warehouse.database), Path(report_folder.path), wait_seconds=warehouse.wait_seconds
    )
    context.log.info(f"trend report written to {result.path} ({result.n_charts} charts)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "main_chart": dg.MetadataValue.md(main_chart_markdown(result)),
            "rising_topics": rising_topics_table(result),
            "n_charts": dg.MetadataValue.int(result.n_charts),
            "papers": dg.MetadataValue.int(result.n_papers),
            "listings": dg.MetadataValue.int(result.n_listings),
            "grain": dg.MetadataValue.text(result.grain or "none"),
            "feed_entries": dg.MetadataValue.int(result.feed_entries),
            "digest_entries": dg.MetadataValue.int(result.digest_entries),
        }
    )


def main_chart_markdown(result: ReportResult) -> str:
    """Markdown for Dagster's UI: the main chart as a base64 ``data:`` image under its caption
    (the top rising topics are the ``rising_topics`` table beside it)."""
    if not result.main_chart_svg:
        return "_No chart yet: the marts hold no listings._"
    encoded = base64.b64encode(result.main_chart_svg.encode("utf-8")).decode("ascii")
    # Dagster renders Markdown images (raw <img> HTML is dropped) and allows data: sources.
    return "\n".join(
        [
            markdown_escape(result.main_chart_caption),
            "",
            f"![main chart of the trend report](data:image/svg+xml;base64,{encoded})",
        ]
    )


def rising_topics_table(result: ReportResult) -> dg.TableMetadataValue:
    """The ten top rising topics as a Dagster table: rank, topic, change, papers in the latest
    window. With nothing listed in the previous window the mart ranks by share, not by a rise:
    the change column then holds the share, and its description says so."""
    by_share = bool(result.top_rising) and result.top_rising[0].previous_window_empty
    records = [
        dg.TableRecord(
            {
                "rank": rank,
                "topic": topic.topic.replace("_", " "),
                "change": (
                    f"{topic.share_change * 100:.1f} %"
                    if by_share
                    else f"{topic.share_change * 100:+.1f} pp"
                ),
                "papers_latest": topic.n_papers_latest,
            }
        )
        for rank, topic in enumerate(result.top_rising[:10], 1)
    ]
    change = (
        "share of the latest window (nothing listed before it: ranked by share)"
        if by_share
        else "change of share against the previous window, in percentage points"
    )
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn("rank", "int"),
            dg.TableColumn("topic", "string"),
            dg.TableColumn("change", "string", description=change),
            dg.TableColumn("papers_latest", "int", description="papers in the latest window"),
        ]
    )
    return dg.MetadataValue.table(records, schema=schema)


def markdown_escape(text: str) -> str:
    """Text that Markdown shows as written: its syntax characters backslash-escaped."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in text)


report_job = dg.define_asset_job(
    name="write_report",
    selection=dg.AssetSelection.assets(TREND_REPORT),
    description=(
        "Render the trend report (index.html in the report folder) from the marts as they are; "
        "run it after build_marts, or let `papertrends run` do both."
    ),
)
