"""Feedback charts: valid PNGs of the right size, with the bars the data calls for and Danish letters drawn."""

from __future__ import annotations

import io
import sys
import threading
import warnings

import matplotlib.image
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from bot.charts import _distribution_figure, _png, _season_figure, rating_distribution_png, season_png
from bot.feedback import SeasonPoint

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIZE = (360, 640)  # rows × columns: 6.4 × 3.6 in at 100 dpi
DANISH = "Bedømmelse – æøå ÆØÅ"


def image_shape(data: bytes) -> tuple[int, ...]:
    assert data.startswith(PNG_SIGNATURE)
    return tuple(matplotlib.image.imread(io.BytesIO(data), format="png").shape)


def bars(ax: Axes) -> list[Rectangle]:
    return [patch for patch in ax.patches if isinstance(patch, Rectangle)]


def season(count: int) -> list[SeasonPoint]:
    return [
        SeasonPoint(f"{day}. sep", None if day % 3 == 0 else 3 + day % 3 * 0.5, 4 + day) for day in range(1, count + 1)
    ]


def main_axes(figure: Figure) -> Axes:
    return figure.axes[0]


def test_distribution_png_is_a_png_of_the_expected_size() -> None:
    data = rating_distribution_png([0, 1, 3, 9, 4], "Hvordan gik mødet?", "Bedømmelse", "Antal svar")
    assert image_shape(data)[:2] == SIZE


def test_distribution_has_exactly_five_bars_with_counts_above() -> None:
    figure = _distribution_figure([2, 0, 5, 7, 1], "Titel", "Bedømmelse", "Antal")
    ax = main_axes(figure)
    assert len(bars(ax)) == 5
    (container,) = ax.containers
    assert isinstance(container, BarContainer)
    assert [bar.get_height() for bar in container.patches] == [2, 0, 5, 7, 1]
    assert [bar.get_x() + bar.get_width() / 2 for bar in container.patches] == [1, 2, 3, 4, 5]
    labels = [text.get_text() for text in ax.texts]
    assert labels == ["2", "0", "5", "7", "1"]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]
    assert ax.get_title() == "Titel"
    assert ax.get_xlabel() == "Bedømmelse"
    assert ax.get_ylabel() == "Antal"


def test_distribution_y_ticks_are_whole_numbers() -> None:
    figure = _distribution_figure([1, 2, 3, 2, 1], "T", "x", "y")
    ax = main_axes(figure)
    figure.draw_without_rendering()
    ticks = [tick for tick in ax.get_yticks() if ax.get_ylim()[0] <= tick <= ax.get_ylim()[1]]
    assert ticks
    assert all(float(tick).is_integer() for tick in ticks)
    assert ax.get_ylim()[1] > 3  # room for the count above the tallest bar


def test_distribution_with_no_answers_still_has_five_bars() -> None:
    figure = _distribution_figure([0, 0, 0, 0, 0], "T", "x", "y")
    assert len(bars(main_axes(figure))) == 5
    assert image_shape(rating_distribution_png((0, 0, 0, 0, 0), "T", "x", "y"))[:2] == SIZE


@pytest.mark.parametrize("distribution", [[1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [1, -1, 0, 0, 0]])
def test_distribution_rejects_bad_input(distribution: list[int]) -> None:
    with pytest.raises(ValueError):
        rating_distribution_png(distribution, "T", "x", "y")


@pytest.mark.parametrize("count", [1, 3, 6, 7, 12])
def test_season_has_one_bar_per_meeting(count: int) -> None:
    points = season(count)
    figure = _season_figure(points, "Sæsonen", "Gennemsnit", "Fremmøde")
    ax = main_axes(figure)
    assert len(bars(ax)) == count
    (container,) = ax.containers
    assert isinstance(container, BarContainer)
    assert [bar.get_height() for bar in container.patches] == [point.attendance for point in points]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == [point.label for point in points]
    rotation = ax.get_xticklabels()[0].get_rotation()
    assert (rotation != 0) == (count > 6)


def test_season_line_leaves_out_meetings_without_an_average_on_a_zero_to_five_axis() -> None:
    points = [
        SeasonPoint("1. sep", 4.5, 10),
        SeasonPoint("6. okt", None, 8),
        SeasonPoint("3. nov", 3.25, 12),
        SeasonPoint("1. dec", None, 0),
    ]
    figure = _season_figure(points, "Sæsonen", "Gennemsnit", "Fremmøde")
    rating_ax = figure.axes[1]
    assert rating_ax.get_ylim() == (0, 5)
    (line,) = rating_ax.lines
    assert isinstance(line, Line2D)
    assert np.asarray(line.get_xdata()).tolist() == [0, 2]
    assert np.asarray(line.get_ydata()).tolist() == [4.5, 3.25]
    assert rating_ax.get_ylabel() == "Gennemsnit"
    assert main_axes(figure).get_ylabel() == "Fremmøde"
    legend_texts = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    assert legend_texts == ["Fremmøde", "Gennemsnit"]


def test_season_png_is_a_png_of_the_expected_size() -> None:
    assert image_shape(season_png(season(10), "Sæsonen 2026", "Gennemsnit", "Fremmøde"))[:2] == SIZE


def test_season_without_any_average_draws_only_bars() -> None:
    points = [SeasonPoint("1. sep", None, 5), SeasonPoint("6. okt", None, 7)]
    figure = _season_figure(points, "T", "r", "a")
    assert len(bars(main_axes(figure))) == 2
    (line,) = figure.axes[1].lines
    assert np.asarray(line.get_xdata()).size == 0
    assert image_shape(season_png(points, "T", "r", "a"))[:2] == SIZE


def test_empty_season_is_a_valid_png_with_the_empty_text() -> None:
    figure = _season_figure([], "Sæsonen", "Gennemsnit", "Fremmøde", empty_text="Ingen data endnu")
    ax = main_axes(figure)
    assert bars(ax) == []
    assert [text.get_text() for text in ax.texts] == ["Ingen data endnu"]
    assert ax.get_title() == "Sæsonen"
    data = season_png([], "Sæsonen", "Gennemsnit", "Fremmøde", empty_text="Ingen data endnu")
    assert image_shape(data)[:2] == SIZE


@pytest.mark.parametrize(
    "points",
    [[SeasonPoint("a", None, -1)], [SeasonPoint("a", 5.5, 3)], [SeasonPoint("a", -0.1, 3)]],
)
def test_season_rejects_bad_input(points: list[SeasonPoint]) -> None:
    with pytest.raises(ValueError):
        season_png(points, "T", "r", "a")


def test_danish_letters_render_without_missing_glyphs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        rating_distribution_png([1, 2, 3, 4, 5], DANISH, DANISH, DANISH)
        season_png([SeasonPoint("Mødet på Møn", 4.0, 9)], DANISH, DANISH, DANISH)
        season_png([], DANISH, DANISH, DANISH, empty_text="Ingen møder endnu – æøå")


def test_no_pyplot_figures_are_left_behind() -> None:
    rating_distribution_png([1, 2, 3, 4, 5], "T", "x", "y")
    season_png(season(4), "T", "r", "a")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:  # another test may have imported it; our charts must not have registered figures there
        assert pyplot.get_fignums() == []


def test_rendered_figure_is_cleared() -> None:
    figure = _distribution_figure([1, 2, 3, 4, 5], "T", "x", "y")
    assert _png(figure).startswith(PNG_SIGNATURE)
    assert figure.axes == []


def test_charts_can_be_drawn_from_threads() -> None:
    results: list[bytes] = []
    lock = threading.Lock()

    def draw(index: int) -> None:
        data = season_png(season(index + 1), f"Tråd {index}", "Gennemsnit", "Fremmøde")
        with lock:
            results.append(data)

    threads = [threading.Thread(target=draw, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert all(image_shape(data)[:2] == SIZE for data in results)


@settings(max_examples=15)
@given(
    st.lists(
        st.builds(
            SeasonPoint,
            label=st.text(alphabet="abcæøåÆØÅ .0123456789", min_size=1, max_size=12),
            average=st.one_of(st.none(), st.floats(min_value=1, max_value=5)),
            attendance=st.integers(min_value=0, max_value=200),
        ),
        max_size=15,
    )
)
def test_any_season_gives_one_bar_per_point_and_a_png(points: list[SeasonPoint]) -> None:
    figure = _season_figure(points, "Sæson", "Gennemsnit", "Fremmøde")
    assert len(bars(main_axes(figure))) == len(points)
    assert image_shape(season_png(points, "Sæson", "Gennemsnit", "Fremmøde"))[:2] == SIZE
