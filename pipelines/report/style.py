"""What every page of the trend report shares: the Jinja2 templates it is rendered with
(``templates/``: ``page.html``, the layout with ``head.html``, extended by ``report.html`` and
``topic.html``; ``macros.html``, the pieces both use), its
stylesheet (``templates/report.css``, inlined into each page) and its Content-Security-Policy
(nothing may be fetched).

Autoescape is on, and every value a template prints is escaped as ``html.escape(quote=True)``
does (``&quot;`` and ``&#x27;`` for quotes, markupsafe's own would write ``&#34;``/``&#39;``): the
pages read as they always did. Only ``Markup`` passes unescaped: the SVG charts (``charts``
escapes what it draws) and the stylesheet.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

# Nothing may be fetched: no scripts, fonts, frames or remote images; inline CSS and data: only.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class Section:
    """A section of a page: its anchor, heading and lede (the page's template draws its figure)."""

    anchor: str
    heading: str
    lede: str


class CodeLink(NamedTuple):
    """How a code link is shown: ``text``, linked to ``href`` when that is a web address."""

    href: str | None
    text: str


def code_link(url: str | None) -> CodeLink | None:
    """The main page's code link: a web address linked under its path (or host), anything else
    shown as it is, unlinked; None (shown as "none") without one."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return CodeLink(None, url)
    return CodeLink(url, parts.path.strip("/") or parts.netloc)


def web_link(url: str | None) -> CodeLink | None:
    """A topic page's code link: only a web address, linked under itself without its scheme."""
    link = web_url(url)
    return None if link is None else CodeLink(link, link.split("//", 1)[1])


def web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) link (what a code link should be), else None."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def topic_label(topic: str) -> str:
    """How a topic id reads on a page or in a feed: ``mixture_of_experts`` -> mixture of experts."""
    return topic.replace("_", " ")


def head(title: str) -> str:
    """A page's ``<head>`` (``templates/head.html``): charset, viewport, the policy, no favicon
    request, its title and the stylesheet (also the head of ``papertrends docs``' index page)."""
    return render("head.html", title=title).removesuffix("\n")


def render(template: str, **context: object) -> str:
    """The page ``template`` (a file of ``templates/``) rendered with ``context``."""
    return (
        _environment()
        .get_template(template)
        .render(css=_stylesheet(), policy=CONTENT_SECURITY_POLICY, **context)
    )


def chart(svg: str | None) -> Markup | None:
    """An SVG chart of ``charts`` (escaped where it was drawn) to be placed as it is."""
    return None if svg is None else Markup(svg)


def _escaped(value: object) -> object:
    """Every printed value, escaped as ``html.escape`` does, unless it is markup already."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipelines.report", "templates"),
        autoescape=True,
        finalize=_escaped,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(
        num=lambda n: f"{n or 0:,}",
        percent=lambda x, digits=1: f"{x:.{digits}%}",
        label=topic_label,
        code_link=code_link,
        web_link=web_link,
    )
    return env


@cache
def _stylesheet() -> Markup:
    css = resources.files("pipelines.report").joinpath("templates", "report.css")
    return Markup(css.read_text(encoding="utf-8"))
