"""Feedback charts as PNG bytes, small enough to read on a phone in a Discord embed.

Figures are built with :class:`matplotlib.figure.Figure` and rendered by the Agg canvas directly: no pyplot, so no
global figure registry, no GUI backend and nothing to leak between calls (safe to run in a worker thread). Every text
comes in as a parameter; the caller translates. DejaVu Sans (bundled with matplotlib) renders Danish letters.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.feedback import MAX_RATING, MIN_RATING, SeasonPoint

FIGSIZE = (6.4, 3.6)  # inches
DPI = 100  # so 640 × 360 pixels
FONT = "DejaVu Sans"
TITLE_SIZE = 14
LABEL_SIZE = 11
TICK_SIZE = 10
# Rating 1 (poor) to 5 (great), red to green.
RATING_COLOURS = ("#d64541", "#f0883e", "#e3b341", "#8cc265", "#3fa34d")
ATTENDANCE_COLOUR = "#8fb8de"
AVERAGE_COLOUR = "#d9480f"
ROTATE_ABOVE_POINTS = 6  # more x labels than this are rotated
ROTATE_ABOVE_CHARS = 48  # ... as are fewer labels whose text is this long in total


def _new_figure() -> Figure:
    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")
    finally:
        figure.clear()
    return buffer.getvalue()


def _headroom(largest: float) -> float:
    """An upper y limit that leaves room for the numbers written above the bars (at least 1)."""
    return max(1.0, math.ceil(largest * 1.15 + 0.5))


def _distribution_figure(distribution: Sequence[int], title: str, x_label: str, y_label: str) -> Figure:
    """The rating distribution as a figure (for tests); :func:`rating_distribution_png` renders it."""
    counts = list(distribution)
    if len(counts) != MAX_RATING - MIN_RATING + 1:
        raise ValueError(f"distribution must have {MAX_RATING - MIN_RATING + 1} counts, got {len(counts)}")
    if any(count < 0 for count in counts):
        raise ValueError(f"counts must not be negative, got {counts}")
    figure = _new_figure()
    ax = figure.add_subplot()
    ratings = list(range(MIN_RATING, MAX_RATING + 1))
    bars = ax.bar(ratings, counts, color=RATING_COLOURS, width=0.7)
    ax.bar_label(bars, labels=[str(count) for count in counts], padding=2, fontsize=LABEL_SIZE, fontfamily=FONT)
    ax.set_xticks(ratings, [str(rating) for rating in ratings], fontsize=TICK_SIZE, fontfamily=FONT)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize=TICK_SIZE)
    ax.set_ylim(0, _headroom(max(counts)))
    ax.set_title(title, fontsize=TITLE_SIZE, fontfamily=FONT)
    ax.set_xlabel(x_label, fontsize=LABEL_SIZE, fontfamily=FONT)
    ax.set_ylabel(y_label, fontsize=LABEL_SIZE, fontfamily=FONT)
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def rating_distribution_png(distribution: Sequence[int], title: str, x_label: str, y_label: str) -> bytes:
    """A bar chart of how many gave each rating 1..5 (exactly five bars, counts written above them), as PNG."""
    return _png(_distribution_figure(distribution, title, x_label, y_label))


def _season_figure(
    points: Sequence[SeasonPoint], title: str, rating_label: str, attendance_label: str, empty_text: str = "—"
) -> Figure:
    """The season overview as a figure (for tests); :func:`season_png` renders it."""
    for point in points:
        if point.attendance < 0:
            raise ValueError(f"attendance must not be negative, got {point.attendance} for {point.label!r}")
        if point.average is not None and not 0 <= point.average <= MAX_RATING:
            raise ValueError(f"average must be within 0..{MAX_RATING}, got {point.average} for {point.label!r}")
    figure = _new_figure()
    ax = figure.add_subplot()
    ax.set_title(title, fontsize=TITLE_SIZE, fontfamily=FONT)
    if not points:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            empty_text,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=LABEL_SIZE + 2,
            fontfamily=FONT,
            color="#555555",
        )
        return figure

    positions = list(range(len(points)))
    attendance = [point.attendance for point in points]
    bars = ax.bar(positions, attendance, color=ATTENDANCE_COLOUR, width=0.6, label=attendance_label)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize=TICK_SIZE)
    ax.set_ylim(0, _headroom(max(attendance)))
    ax.set_ylabel(attendance_label, fontsize=LABEL_SIZE, fontfamily=FONT)
    labels = [point.label for point in points]
    rotate = len(points) > ROTATE_ABOVE_POINTS or sum(len(label) for label in labels) > ROTATE_ABOVE_CHARS
    ax.set_xticks(
        positions,
        labels,
        fontsize=TICK_SIZE,
        fontfamily=FONT,
        rotation=45 if rotate else 0,
        ha="right" if rotate else "center",
        rotation_mode="anchor" if rotate else "default",
    )
    ax.set_xlim(-0.6, len(points) - 0.4)

    rating_ax = ax.twinx()
    rated = [(x, point.average) for x, point in zip(positions, points, strict=True) if point.average is not None]
    (line,) = rating_ax.plot(
        [x for x, _ in rated],
        [average for _, average in rated],
        color=AVERAGE_COLOUR,
        marker="o",
        linewidth=2,
        markersize=6,
        label=rating_label,
    )
    rating_ax.set_ylim(0, MAX_RATING)
    rating_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    rating_ax.tick_params(axis="y", labelsize=TICK_SIZE, colors=AVERAGE_COLOUR)
    rating_ax.set_ylabel(rating_label, fontsize=LABEL_SIZE, fontfamily=FONT, color=AVERAGE_COLOUR)
    ax.spines["top"].set_visible(False)
    rating_ax.spines["top"].set_visible(False)
    # Below the plot, so neither tall bars nor high ratings hide behind it.
    # The bar container's first patch stands for the bars in the legend.
    handles: list[Artist] = [bars.patches[0], line] if bars.patches else [line]
    figure.legend(
        handles,
        [attendance_label, rating_label][-len(handles) :],
        loc="outside lower center",
        prop={"family": FONT, "size": TICK_SIZE},
        frameon=False,
        ncols=2,
    )
    return figure


def season_png(
    points: Sequence[SeasonPoint],
    title: str,
    rating_label: str,
    attendance_label: str,
    empty_text: str = "—",
) -> bytes:
    """A season at a glance, as PNG: attendance per meeting as bars, average rating as a line on a 0..5 axis.

    Meetings without an average are left out of the line (their bar still shows). With no points at all the chart is
    the title and ``empty_text`` (e.g. a translated "no data yet").
    """
    return _png(_season_figure(points, title, rating_label, attendance_label, empty_text))
