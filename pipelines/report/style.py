"""What every page of the trend report shares: its stylesheet (inline) and its
Content-Security-Policy (nothing may be fetched)."""

import html

# Nothing may be fetched: no scripts, fonts, frames or remote images; inline CSS and data: only.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d8dee4;
  --accent: #0072B2; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.5;
  font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial,
  sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 4px; }
.meta, .lede, footer { color: var(--muted); }
.lede { margin: 0 0 12px; max-width: 75ch; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 16px 0; padding: 12px 16px;
  background: var(--panel); border-radius: 8px; }
.facts dt { font-size: 12px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; }
.facts dd { margin: 0; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
nav { font-size: 14px; }
a { color: var(--accent); }
section { margin-top: 36px; padding-top: 20px; border-top: 1px solid var(--line); }
.figure { overflow-x: auto; }
svg.chart { display: block; width: 100%; height: auto; max-width: 960px; }
.note { padding: 12px 16px; background: var(--panel); border-left: 4px solid var(--line);
  color: var(--muted); margin: 0; }
table.papers { border-collapse: collapse; width: 100%; font-size: 14px; }
table.papers caption { text-align: left; color: var(--muted); padding-bottom: 6px; }
table.papers th, table.papers td { padding: 6px 8px; border-bottom: 1px solid var(--line);
  text-align: left; vertical-align: top; }
table.papers th { font-size: 12px; color: var(--muted); text-transform: uppercase; }
table.papers .num { text-align: right; font-variant-numeric: tabular-nums; }
footer { margin-top: 40px; font-size: 13px; }
.muted { color: var(--muted); }
table.papers .date { white-space: nowrap; }
"""


def head(title: str) -> str:
    """A page's ``<head>``: charset, viewport, the policy, no favicon request, its title and the
    stylesheet."""
    return f"""<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY)}">
<link rel="icon" href="data:,">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
</head>"""


def facts_list(facts) -> str:
    """The ``<dl class="facts">`` items of (label, value) pairs."""
    return "".join(
        f"<div><dt>{html.escape(k, quote=True)}</dt><dd>{html.escape(v, quote=True)}</dd></div>"
        for k, v in facts
    )


def sections_nav_and_body(sections) -> tuple[str, str]:
    """The nav links and the ``<section>`` blocks of (anchor, heading, lede, body) sections;
    the body is markup already escaped, the rest is escaped here."""
    nav = " · ".join(f'<a href="#{a}">{html.escape(h, quote=True)}</a>' for a, h, _, _ in sections)
    body = "".join(
        f'<section id="{a}" aria-labelledby="{a}-h">'
        f'<h2 id="{a}-h">{html.escape(h, quote=True)}</h2>'
        f'<p class="lede">{html.escape(lede, quote=True)}</p>'
        f'<div class="figure">{content}</div></section>'
        for a, h, lede, content in sections
    )
    return nav, body
