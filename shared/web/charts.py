"""Charts of the console, drawn on the server as inline SVG (issue 14: readable without
JavaScript, in the page's language).

pygal draws the SVG; nothing here decides what is counted. A page passes labels it has
already translated, and gets a ``<figure>`` holding the ``<svg>`` (``role="img"`` with the
title as its accessible name, each value in a ``<desc class="value">`` the way pygal writes
it) and the same numbers as a table inside ``<details>``, for screen readers, for copying
and for a printout.

pygal also writes a ``<script>`` holding its configuration for optional tooltips; it is
removed, so the page sends no script it does not need and a strict policy holds.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from markupsafe import Markup, escape

# A stack that carries Chinese glyphs on Debian (Noto CJK), Windows and macOS alike.
FONTS = ('"Noto Sans CJK SC", "Noto Sans CJK TC", "Microsoft YaHei", "PingFang SC", '
         '"WenQuanYi Micro Hei", sans-serif')


@cache
def _pygal() -> tuple[Any, Any]:
    """pygal and the charts' style, loaded at the first chart drawn: a service that
    draws none does not carry it (issue 17, memory)."""
    import pygal
    from pygal.style import Style

    # pygal appends a legacy import hook (find_module, no find_spec) for its map plugins,
    # which we do not use; left in place, every later import that misses the other
    # finders reaches it and Python 3.11 warns (an error under -W error).
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not isinstance(f, pygal.PluginImportFixer)]
    style = Style(
        background="transparent", plot_background="#ffffff",
        foreground="#1f2933", foreground_strong="#111827", foreground_subtle="#52606d",
        colors=("#1d4ed8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e",
                "#a16207", "#be185d", "#4d7c0f", "#334155"),
        font_family=FONTS, label_font_family=FONTS, major_label_font_family=FONTS,
        title_font_family=FONTS, legend_font_family=FONTS, value_font_family=FONTS,
        tooltip_font_family=FONTS, no_data_font_family=FONTS,
        title_font_size=15, legend_font_size=12, label_font_size=11,
        major_label_font_size=11, no_data_font_size=18,
    )
    return pygal, style


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_SVG_OPEN = re.compile(r"<svg\b")


def bar_chart(title: str, categories: Sequence[str], series: Mapping[str, Sequence[float | None]],
              *, y_title: str = "", stacked: bool = False, no_data: str = "—",
              width: int = 720, height: int = 320) -> Markup:
    """Bars per category (e.g. months), one colour per series (e.g. classification)."""
    return _figure("StackedBar" if stacked else "Bar", title, categories, series,
                   y_title=y_title, no_data=no_data, width=width, height=height)


def line_chart(title: str, categories: Sequence[str], series: Mapping[str, Sequence[float | None]],
               *, y_title: str = "", no_data: str = "—", width: int = 720,
               height: int = 320) -> Markup:
    """Lines across categories (e.g. a technician's scores month by month)."""
    return _figure("Line", title, categories, series, y_title=y_title, no_data=no_data,
                   width=width, height=height)


def _figure(kind: str, title: str, categories: Sequence[str],
            series: Mapping[str, Sequence[float | None]], *, y_title: str, no_data: str,
            width: int, height: int) -> Markup:
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for "
                             f"{len(categories)} categories")
    pygal, style = _pygal()
    chart = getattr(pygal, kind)(
        style=style, js=[], disable_xml_declaration=True, explicit_size=False,
        width=width, height=height, title=title, y_title=y_title or None,
        x_label_rotation=0 if len(categories) <= 8 else 30,
        legend_at_bottom=True, print_values=False, no_data_text=no_data,
        truncate_legend=-1, truncate_label=-1, min_scale=1, max_scale=10)
    chart.x_labels = list(categories)
    chart.y_labels = _whole_labels(series, stacked=kind == "StackedBar")
    for name, values in series.items():
        chart.add(name, [None if v is None else float(v) for v in values])
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    svg = _SVG_OPEN.sub(f'<svg role="img" aria-label="{escape(title)}"', svg, count=1)
    return Markup('<figure class="chart">{svg}<details><summary>{title}</summary>'
                  '{table}</details></figure>').format(
        svg=Markup(svg), title=title, table=_table(title, categories, series))


def _whole_labels(series: Mapping[str, Sequence[float | None]], *,
                  stacked: bool) -> list[int] | None:
    """Whole-number ticks when every value is a count, so an axis never reads 0.1 cases."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not values or any(not float(v).is_integer() or v < 0 for v in values):
        return None
    top = (max(sum(v or 0 for v in column) for column in zip(*series.values(), strict=True))
           if stacked else max(values))
    step = max(1, -(-int(top) // 5))
    return list(range(0, int(top) + step + 1, step))


def _table(title: str, categories: Sequence[str],
           series: Mapping[str, Sequence[float | None]]) -> Markup:
    head = Markup("").join(Markup("<th scope=\"col\">{}</th>").format(c) for c in categories)
    rows = Markup("").join(
        Markup("<tr><th scope=\"row\">{}</th>{}</tr>").format(
            name, Markup("").join(Markup("<td>{}</td>").format(_number(v)) for v in values))
        for name, values in series.items())
    return Markup('<table class="chart-data"><caption>{}</caption><thead><tr><th></th>{}'
                  "</tr></thead><tbody>{}</tbody></table>").format(title, head, rows)


def _number(value: float | None) -> str:
    if value is None:  # no answer that month: a gap in the line, a dash in the table
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
