"""The trend report asset: one self-contained HTML page rendered from the marts after a refresh."""

import base64
from pathlib import Path

import dagster as dg

from pipelines.defs.resources import WarehouseResource
from pipelines.report.render import REQUIRED_MODELS, ReportResult, write_report

MART_KEYS = [
    dg.AssetKey(["marts", "topic_trends"]),
    dg.AssetKey(["marts", "rising_topics"]),
    dg.AssetKey(["marts", "emerging_terms"]),
    dg.AssetKey(["marts", "papers"]),
    dg.AssetKey(["marts", "paper_sightings"]),
    dg.AssetKey(["marts", "trending_papers"]),
    dg.AssetKey(["marts", "feed_papers"]),
    dg.AssetKey(["marts", "weekly_digest"]),
    dg.AssetKey(["marts", "topics"]),
    dg.AssetKey(["marts", "topic_terms"]),
    dg.AssetKey(["marts", "topic_papers"]),
]
# the page's sections, ready to draw (dbt/models/reports; views over the marts above)
REPORT_MODEL_KEYS = [dg.AssetKey(name.split(".")) for name in REQUIRED_MODELS]
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
            "n_charts": dg.MetadataValue.int(result.n_charts),
            "papers": dg.MetadataValue.int(result.n_papers),
            "listings": dg.MetadataValue.int(result.n_listings),
            "grain": dg.MetadataValue.text(result.grain or "none"),
            "feed_entries": dg.MetadataValue.int(result.feed_entries),
            "digest_entries": dg.MetadataValue.int(result.digest_entries),
        }
    )


def main_chart_markdown(result: ReportResult) -> str:
    """Markdown for Dagster's UI: the main chart as a base64 ``data:`` image, then a table of
    the top rising topics (which also reads where images are not rendered)."""
    lines = []
    if result.main_chart_svg:
        encoded = base64.b64encode(result.main_chart_svg.encode("utf-8")).decode("ascii")
        caption = markdown_escape(result.main_chart_caption)
        # Dagster renders Markdown images (raw <img> HTML is dropped) and allows data: sources.
        lines += [
            caption,
            "",
            f"![main chart of the trend report](data:image/svg+xml;base64,{encoded})",
            "",
        ]
    else:
        lines += ["_No chart yet: the marts hold no listings._", ""]
    if result.top_rising:
        # with an empty previous window the mart ranks by share, not by a rise: say which
        by_share = result.top_rising[0].previous_window_empty
        lines += [
            "| rank | largest topic (nothing listed before) | share | papers in latest window |"
            if by_share
            else "| rank | rising topic | share change | papers in latest window |",
            "|---:|---|---:|---:|",
        ]
        for rank, topic in enumerate(result.top_rising[:10], 1):
            name = markdown_escape(topic.topic.replace("_", " "))
            value = (
                f"{topic.share_change * 100:.1f} %"
                if by_share
                else f"{topic.share_change * 100:+.1f} pp"
            )
            lines.append(f"| {rank} | {name} | {value} | {topic.n_papers_latest:,} |")
    return "\n".join(lines)


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
