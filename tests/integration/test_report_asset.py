"""The trend report's Dagster asset: the page, its main chart in the materialization's metadata,
the marts it depends on, and its job (marts filled by hand, tests/reportkit.py)."""

import base64
import xml.etree.ElementTree as ET

import dagster as dg

from pipelines.defs.report import ReportFolder, report_job, trend_report
from pipelines.defs.resources import WarehouseResource
from tests.reportkit import make_warehouse


def test_trend_report_asset_writes_the_page_and_shows_the_main_chart(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=3)
    out = tmp_path / "reports"
    result = dg.materialize(
        [trend_report],
        resources={
            "warehouse": WarehouseResource(database=str(warehouse)),
            "report_folder": ReportFolder(path=str(out)),
        },
    )
    assert result.success
    (event,) = result.asset_materializations_for_node(trend_report.op.name)
    assert event.asset_key == dg.AssetKey(["reports", "trend_report"])
    assert event.metadata["path"].value == str(out / "index.html")
    assert (out / "index.html").is_file()
    markdown = event.metadata["main_chart"].value
    prefix = "](data:image/svg+xml;base64,"
    encoded = markdown.split(prefix, 1)[1].split(")", 1)[0]
    root = ET.fromstring(base64.b64decode(encoded).decode("utf-8"))
    assert root.get("id") == "chart-rising"
    rising = event.metadata["rising_topics"].value
    assert [c.name for c in rising.schema.columns] == ["rank", "topic", "change", "papers_latest"]
    assert (rising.records[0].data["rank"], rising.records[0].data["topic"]) == (
        1,
        "mixture of experts",
    )
    assert rising.records[0].data["change"].endswith(" pp")
    assert event.metadata["n_charts"].value == 4
    assert set(trend_report.dependency_keys) >= {
        dg.AssetKey(["marts", name])
        for name in ("topic_trends", "rising_topics", "emerging_terms", "papers", "paper_sightings")
    }
    job = dg.Definitions(
        assets=[trend_report],
        jobs=[report_job],
        resources={
            "warehouse": WarehouseResource(database=str(warehouse)),
            "report_folder": ReportFolder(path=str(out)),
        },
    ).resolve_job_def("write_report")
    assert job.description
