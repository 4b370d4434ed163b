"""Pure chart drawing: small series in, inline SVG strings out (no I/O, no scripts, no fonts).

Every chart is a standalone ``<svg>`` with ``role="img"``, a ``<title>`` and a ``<desc>``, so it
reads the same inline in the report and as a ``data:`` image in Dagster's UI. Periods are drawn
as evenly spaced categories; axis labels are thinned to a bounded count, so a chart of one period
and one of a thousand both stay legible. Every piece of text goes through ``html.escape``.
"""

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 960
FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#555555")
INK, MUTED, GRID = "#1f2328", "#59636e", "#d8dee4"
MAX_X_TICKS = 8
MAX_Y_TICKS = 6
# Above this many periods, markers and per-point tooltips would only add clutter and bytes.
MAX_MARKED_PERIODS = 60

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One named line (or stack layer): a value per category, None where there is none."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, its value and a short note drawn after the value."""

    label: str
    value: float
    note: str = ""


# the least distance (px) between two x labels
MIN_TICK_GAP = 84.0


def percent(value: float) -> str:
    """A share as a percentage: 0.123 -> '12%' (one decimal below 10%)."""
    pct = value * 100
    return f"{pct:.1f}%" if abs(pct) < 10 and pct != 0 else f"{pct:.0f}%"


def points(value: float) -> str:
    """A change of share in signed percentage points: 0.05 -> '+5.0 pp'."""
    return f"{value * 100:+.1f} pp"


def times(value: float) -> str:
    """A ratio as a multiplier: 3.456 -> '×3.5'."""
    return f"×{value:.1f}"


def decimal(value: float) -> str:
    """A score with one decimal: 13.66 -> '13.7'."""
    return f"{value:,.1f}"


def count(value: float) -> str:
    """A count with thousands separators: 1234.0 -> '1,234'."""
    return f"{value:,.0f}"


def tick_indices(n: int, max_ticks: int = MAX_X_TICKS) -> list[int]:
    """Indices of the categories to label on an axis of ``n``: at most ``max_ticks``, evenly
    spread, always the first and the last (the latest period is the one people look for)."""
    if n <= 0:
        return []
    m = min(n, max(max_ticks, 2))
    if m == 1:
        return [0]
    return sorted({round(k * (n - 1) / (m - 1)) for k in range(m)})


def nice_ticks(
    low: float, high: float, max_ticks: int = MAX_Y_TICKS, min_step: float = 0.0
) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten, at least ``min_step`` apart)
    from at or below ``low`` to at or above ``high``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    raw_step = (high - low) / max(1, max_ticks - 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    step = max(step, min_step)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(k * step, 12) for k in range(first, max(last, first + 1) + 1)]


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str,
    value_format: Formatter = percent,
    positions: Sequence[float] | None = None,
) -> str:
    """Lines over categories (periods) with a legend; one period draws points. With
    ``positions`` (e.g. days, ascending) the categories sit proportionally to them, so two
    listing dates 88 days apart are drawn six times as far apart as two 15 days apart."""
    n = len(categories)
    drawn = [s for s in series if any(_finite(v) for v in s.values)]
    if n == 0 or not drawn:
        return empty_chart(title=title, chart_id=chart_id, message="No data to draw.")
    left, right, top, bottom = 64, 250, 16, 44
    height = 360
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [float(v) for s in drawn for v in s.values if _finite(v)]
    y_ticks = nice_ticks(min(0.0, *values), max(values))
    y_lo, y_hi = y_ticks[0], y_ticks[-1]

    where = _proportional(positions, n)

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else where[i] * plot_w)

    def y_at(v: float) -> float:
        return top + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h

    parts = _y_axis(y_ticks, y_at, left, left + plot_w, value_format)
    parts += _x_axis(categories, x_at, top + plot_h)
    mark = n == 1 or n <= MAX_MARKED_PERIODS
    for k, s in enumerate(drawn):
        colour = PALETTE[k % len(PALETTE)]
        parts.append(f'<g class="series" data-series="{_e(s.name)}">')
        for segment in _segments(s.values):
            if len(segment) > 1:
                coords = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in segment)
                parts.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                    'stroke-width="2.25" stroke-linejoin="round" stroke-linecap="round"/>'
                )
            if mark or len(segment) == 1:
                for i, v in segment:
                    tip = f"{s.name}, {categories[i]}: {value_format(v)}"
                    parts.append(
                        f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="{5 if n == 1 else 3}" '
                        f'fill="{colour}"><title>{_e(tip)}</title></circle>'
                    )
        parts.append("</g>")
        legend_y = top + 8 + k * 22
        legend_x = left + plot_w + 20
        parts.append(
            f'<g class="legend"><title>{_e(s.name)}</title>'
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 18}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text x="{legend_x + 24}" y="{legend_y + 4}" fill="{INK}">'
            f"{_e(_clip(s.name, 33))}</text></g>"
        )
    latest = [(s.name, s.values[-1]) for s in drawn if s.values and _finite(s.values[-1])]
    desc = f"{len(drawn)} lines over {n} period{'s' if n != 1 else ''}"
    if latest:
        desc += f"; latest ({categories[-1]}): " + ", ".join(
            f"{name} {value_format(v)}" for name, v in latest
        )
    return _svg(chart_id, title, desc, height, parts)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    value_format: Formatter = points,
) -> str:
    """Horizontal bars from a zero line (negative values go left), each with value and note."""
    if not bars:
        return empty_chart(title=title, chart_id=chart_id, message="No data to draw.")
    label_w, value_w, top, row_h, bottom = 260, 170, 8, 28, 36
    height = top + row_h * len(bars) + bottom
    x0, x1 = label_w, WIDTH - value_w
    ticks = nice_ticks(min(0.0, *(b.value for b in bars)), max(0.0, *(b.value for b in bars)), 5)
    lo, hi = ticks[0], ticks[-1]

    def x_at(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    axis_y = top + row_h * len(bars)
    parts = []
    for t in ticks:
        x = x_at(t)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}"/>'
            f'<text class="x-tick" x="{x:.1f}" y="{axis_y + 18}" text-anchor="middle" '
            f'fill="{MUTED}">{_e(value_format(t))}</text>'
        )
    for k, b in enumerate(bars):
        y = top + k * row_h
        start, end = sorted((x_at(0.0), x_at(b.value)))
        colour = PALETTE[0] if b.value >= 0 else PALETTE[5]
        text = value_format(b.value) + (f" · {b.note}" if b.note else "")
        parts.append(
            f'<g class="bar"><title>{_e(b.label)}: {_e(text)}</title>'
            f'<text x="{x0 - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{_e(_clip(b.label, 36))}</text>"
            f'<rect x="{start:.1f}" y="{y + 5}" width="{max(end - start, 1.0):.1f}" '
            f'height="{row_h - 10}" fill="{colour}" rx="2"/>'
            f'<text x="{max(end, x_at(0.0)) + 6:.1f}" y="{y + row_h / 2 + 4:.1f}" '
            f'fill="{MUTED}">{_e(text)}</text></g>'
        )
    parts.append(
        f'<line x1="{x_at(0.0):.1f}" y1="{top}" x2="{x_at(0.0):.1f}" y2="{axis_y}" '
        f'stroke="{MUTED}"/>'
    )
    desc = "; ".join(f"{b.label} {value_format(b.value)}" for b in bars[:10])
    return _svg(chart_id, title, desc, height, parts)


def column_chart(
    categories: Sequence[str],
    stacks: Sequence[Series],
    *,
    title: str,
    chart_id: str,
    value_format: Formatter = count,
    positions: Sequence[float] | None = None,
) -> str:
    """Stacked vertical columns per category (e.g. new and returning papers per listing); with
    ``positions`` (ascending) the columns sit proportionally to them, as wide as the closest
    two allow."""
    n = len(categories)
    if n == 0 or not stacks:
        return empty_chart(title=title, chart_id=chart_id, message="No data to draw.")
    left, right, top, bottom = 64, 24, 36, 44
    height = 320
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    totals = [sum(s.values[i] or 0.0 for s in stacks) for i in range(n)]
    y_ticks = nice_ticks(0.0, max(max(totals), 1.0), min_step=1.0)
    y_hi = y_ticks[-1]
    if positions is not None and n > 1:
        gap = min(b - a for a, b in zip(positions, positions[1:], strict=False)) or 1.0
        span = positions[-1] - positions[0] + gap  # half a gap of margin on either side
        slot = gap / span * plot_w
        centres = [left + (p - positions[0] + gap / 2) / span * plot_w for p in positions]
    else:
        slot = plot_w / n
        centres = [left + (i + 0.5) * slot for i in range(n)]
    bar_w = max(slot * (0.8 if n <= MAX_MARKED_PERIODS else 1.0), 0.5)

    def x_at(i: int) -> float:
        return centres[i]

    def y_at(v: float) -> float:
        return top + plot_h - v / y_hi * plot_h

    parts = _y_axis(y_ticks, y_at, left, left + plot_w, value_format)
    parts += _x_axis(categories, x_at, top + plot_h)
    tips = n <= MAX_MARKED_PERIODS
    base = [0.0] * n
    for k, s in enumerate(stacks):
        colour = PALETTE[k % len(PALETTE)]
        parts.append(f'<g class="series" data-series="{_e(s.name)}" fill="{colour}">')
        for i in range(n):
            v = s.values[i] or 0.0
            if v <= 0:
                continue
            y_top, y_bottom = y_at(base[i] + v), y_at(base[i])
            tip = (
                f"<title>{_e(f'{categories[i]}: {value_format(v)} {s.name}')}</title>"
                if tips
                else ""
            )
            parts.append(
                f'<rect x="{x_at(i) - bar_w / 2:.2f}" y="{y_top:.1f}" width="{bar_w:.2f}" '
                f'height="{y_bottom - y_top:.1f}">{tip}</rect>'
            )
            base[i] += v
        parts.append("</g>")
        legend_x = left + k * 160
        parts.append(
            f'<g class="legend"><rect x="{legend_x}" y="8" width="14" height="14" '
            f'fill="{colour}"/><text x="{legend_x + 20}" y="20" fill="{INK}">'
            f"{_e(_clip(s.name, 22))}</text></g>"
        )
    desc = (
        f"{n} period{'s' if n != 1 else ''}; latest ({categories[-1]}): "
        + ", ".join(f"{s.name} {value_format(s.values[-1] or 0.0)}" for s in stacks)
        + f"; largest total {value_format(max(totals))}"
    )
    return _svg(chart_id, title, desc, height, parts)


def empty_chart(*, title: str, chart_id: str, message: str) -> str:
    """A small SVG that says why there is nothing to draw (used when a chart gets no data)."""
    parts = [
        f'<text x="{WIDTH / 2:.0f}" y="40" text-anchor="middle" fill="{MUTED}">{_e(message)}</text>'
    ]
    return _svg(chart_id, title, message, 72, parts)


def _svg(chart_id: str, title: str, desc: str, height: float, parts: Sequence[str]) -> str:
    cid = _e(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" font-family="{_e(FONT_STACK)}" font-size="12">'
        f'<title id="{cid}-title">{_e(title)}</title><desc id="{cid}-desc">{_e(desc)}</desc>'
        + "".join(parts)
        + "</svg>"
    )


def _y_axis(
    ticks: Sequence[float],
    y_at: Callable[[float], float],
    x_left: float,
    x_right: float,
    value_format: Formatter,
) -> list[str]:
    parts = []
    for t in ticks:
        y = y_at(t)
        parts.append(
            f'<line x1="{x_left}" y1="{y:.1f}" x2="{x_right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text class="y-tick" x="{x_left - 8}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{MUTED}">{_e(value_format(t))}</text>'
        )
    return parts


def _proportional(positions: Sequence[float] | None, n: int) -> list[float]:
    """Where each of ``n`` categories sits in [0, 1]: by ``positions`` when given (ascending),
    else evenly."""
    if n <= 1:
        return [0.5] * n
    if positions is None or positions[-1] == positions[0]:
        return [i / (n - 1) for i in range(n)]
    low, span = positions[0], positions[-1] - positions[0]
    return [(p - low) / span for p in positions]


def _x_axis(categories: Sequence[str], x_at: Callable[[int], float], y_axis: float) -> list[str]:
    parts = []
    # spread labels by position: close categories (dates days apart) would overprint
    shown: list[int] = []
    for i in tick_indices(len(categories)):
        if shown and x_at(i) - x_at(shown[-1]) < MIN_TICK_GAP:
            if i != len(categories) - 1:
                continue
            shown.pop()  # the last category is the one people look for: keep it
        shown.append(i)
    for i in shown:
        x = x_at(i)
        parts.append(
            f'<line x1="{x:.1f}" y1="{y_axis}" x2="{x:.1f}" y2="{y_axis + 5}" stroke="{MUTED}"/>'
            f'<text class="x-tick" x="{_inside(x, categories[i]):.1f}" y="{y_axis + 20}" '
            f'text-anchor="middle" fill="{MUTED}">{_e(categories[i])}</text>'
        )
    return parts


def _inside(x: float, label: str) -> float:
    """Shift a centred label so it is not cut off at either edge of the drawing."""
    half = len(label) * 3.6 + 2  # ~7.2 px per character at 12 px
    return min(max(x, half), WIDTH - half)


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive non-missing values, so a gap breaks the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if not _finite(v):
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, float(v)))
    return [r for r in runs if r]


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
