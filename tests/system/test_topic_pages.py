"""The trend report's topic pages (topics/<topic>.html): one per topic with papers, linked from
the main page, each self-contained and opening offline in Chromium without an error."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.report.render import _write_topic_pages
from pipelines.report.topics import TopicPage, page_file_name
from tests.browser import CHROMIUM, visit


def test_page_names_are_the_topic_ids_or_a_safe_slug_with_a_hash():
    assert page_file_name("mixture_of_experts") == "mixture_of_experts.html"
    odd = page_file_name('odd <topic> & "co"')
    assert re.fullmatch(r"odd-topic-co-[0-9a-f]{8}\.html", odd)
    assert page_file_name("Odd Topic") != page_file_name("odd-topic")


def test_pages_of_topics_that_are_gone_are_removed(tmp_path):
    folder = tmp_path / "topics"
    _write_topic_pages(folder, [TopicPage("a", "a.html", "<p>a</p>"), TopicPage("b", "b.html", "")])
    _write_topic_pages(folder, [TopicPage("a", "a.html", "<p>a again</p>")])
    assert sorted(p.name for p in folder.iterdir()) == ["a.html"]
    assert (folder / "a.html").read_text() == "<p>a again</p>"


def _reports(real_run) -> Path:
    return Path(real_run.env["PAPERTRENDS_REPORTS_DIR"])


def test_every_topic_with_papers_has_a_page_linked_from_the_report(real_run):
    reports = _reports(real_run)
    with duckdb.connect(str(real_run.warehouse), read_only=True) as con:
        topics = [
            t
            for (t,) in con.execute(
                "select topic from marts.topics where n_papers > 0 and topic <> 'other'"
            ).fetchall()
        ]
        moe_code = con.execute(
            "select title from marts.topic_papers "
            "where topic = 'mixture_of_experts' and list_name = 'with_code' order by list_rank"
        ).fetchall()
    pages = sorted(p.name for p in (reports / "topics").iterdir())
    assert pages == sorted(f"{t}.html" for t in topics) and len(pages) > 10
    index = (reports / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(topics/[^"]+)"', index)
    assert sorted(links) == sorted(f"topics/{p}" for p in pages)
    moe = (reports / "topics" / "mixture_of_experts.html").read_text(encoding="utf-8")
    for heading in (
        "Share over time",
        "Distinctive terms",
        "Emerging within the topic",
        "Top papers of ",
        "Papers with code",
    ):
        assert f">{heading}" in moe, heading
    assert "<script" not in moe and 'href="../index.html"' in moe
    assert moe_code and all(title.replace("&", "&amp;") in moe for (title,) in moe_code[:3])


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_topic_page_opens_in_chromium_without_errors_or_requests(real_run, tmp_path):
    page = _reports(real_run) / "topics" / "mixture_of_experts.html"
    url = page.resolve().as_uri()
    seen = visit(url, tmp_path / "profile")
    assert seen.errors == []
    assert seen.requests == [url]
    assert seen.n_charts_drawn == 1
    assert seen.title == "papertrends: mixture of experts"
