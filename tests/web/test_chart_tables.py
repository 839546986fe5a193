"""A chart's text alternative holds the numbers its figure draws (keel.web.chart_tables)."""

from __future__ import annotations

from keel.web.chart_tables import chart_table
from keel.web.charts import histogram, interval_bars, lines, similarity_heatmap


def test_a_histogram_is_one_row_per_bin_with_its_range_and_count() -> None:
    table = chart_table(histogram([0, 10, 20, 30], [4, 0, 7], "stability", "var(--chart-1)"))
    assert table.header == ["stability", "runs"]
    assert table.rows == [["0–10", "4"], ["10–20", "0"], ["20–30", "7"]]


def test_a_bin_one_unit_wide_around_an_integer_is_that_integer() -> None:
    table = chart_table(histogram([-0.5, 0.5, 1.5], [9, 2], "loop depth", "red", dtick=1))
    assert table.rows == [["0", "9"], ["1", "2"]]


def test_lines_are_one_column_per_series_with_a_dash_where_a_day_has_none() -> None:
    days = ["2026-11-01", "2026-11-02"]
    figure = lines({"support · a": (days, [81.25, None]), "sql · b": (days, [None, 64.0])}, "mean")
    table = chart_table(figure)
    assert table.header == ["x", "support · a", "sql · b"]
    assert table.rows == [["2026-11-01", "81.25", "—"], ["2026-11-02", "—", "64"]]


def test_interval_bars_show_each_value_with_its_interval() -> None:
    figure = interval_bars(["accuracy"], {"v1": [(0.9, 0.85, 0.95)], "v2": [(None, None, None)]})
    table = chart_table(figure)
    assert table.header[1:] == ["v1", "v2"]
    assert table.rows == [["accuracy", "0.9 [0.85–0.95]", "—"]]


def test_a_heatmap_is_its_matrix() -> None:
    table = chart_table(similarity_heatmap(["base", "P1"], [[1.0, 0.8512], [0.8512, None]]))
    assert table.header == ["vs", "base", "P1"]
    assert table.rows == [["base", "1", "0.8512"], ["P1", "0.8512", "—"]]
