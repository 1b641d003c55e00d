"""The console's server-side charts (issue 14 deliver 4): SVG without script, values and
labels as given, the same numbers in a table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from shared.web.charts import bar_chart, line_chart


def _svg(markup: str) -> ET.Element:
    svg = re.search(r"<svg\b.*</svg>", markup, re.S)
    assert svg, markup[:200]
    return ET.fromstring(svg.group(0))


def test_a_bar_chart_is_inline_svg_with_its_values_and_no_script() -> None:
    html = str(bar_chart("按月案件", ["2026-10", "2026-11"], {"品質": [1, 3], "服務": [0, 2]}))
    assert "<script" not in html
    root = _svg(html)
    ns = "{http://www.w3.org/2000/svg}"
    values = [d.text for d in root.iter(f"{ns}desc") if d.get("class") == "value"]
    assert sorted(values) == ["0", "1", "2", "3"]
    texts = {t.text for t in root.iter(f"{ns}text")}
    assert {"按月案件", "2026-10", "2026-11", "品質", "服務"} <= texts
    assert root.get("aria-label") == "按月案件"


def test_the_table_holds_the_same_numbers_escaped() -> None:
    html = str(line_chart("<b>Scores</b>", ["Oct"], {"T01 & co": [4.25]}))
    assert "<b>Scores</b>" not in html and "&lt;b&gt;Scores&lt;/b&gt;" in html
    assert re.search(r"<th scope=\"row\">T01 &amp; co</th><td>4.25</td>", html)


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="series 'x' has 1 values for 2 categories"):
        bar_chart("t", ["a", "b"], {"x": [1]})


def test_no_data_draws_the_given_text() -> None:
    html = str(bar_chart("Empty", [], {}, no_data="无数据"))
    assert "无数据" in html


def test_a_missing_value_is_a_gap_and_a_dash() -> None:
    html = str(line_chart("Scores", ["Oct", "Nov"], {"T01": [None, 4.0]}))
    assert re.search(r"<th scope=\"row\">T01</th><td>—</td><td>4</td>", html)


def test_counts_get_whole_number_ticks() -> None:
    html = str(bar_chart("Cases", ["Oct", "Nov"], {"A": [1, 2], "B": [0, 1]}, stacked=True))
    ns = "{http://www.w3.org/2000/svg}"
    ticks = {t.text for g in _svg(html).iter(f"{ns}g") if "axis y" in (g.get("class") or "")
             for t in g.iter(f"{ns}text")}
    assert ticks and all(t.isdigit() for t in ticks if t), ticks
