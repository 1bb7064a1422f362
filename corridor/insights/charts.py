"""The funnel as a horizontal bar chart: laid out here, drawn as inline SVG by a template.

No JavaScript and no chart library: the page and the PDF report draw the same chart.
Each stage is a row: its label as text of the page (so Chinese and Urdu are shaped and
ordered by the page's own text engine; WeasyPrint's SVG text does neither), then an SVG
bar with the count. The rows follow the page's direction, so in Urdu the labels stand on
the right; SVG does not follow it, so the bars are mirrored here: in a right-to-left
language they grow from the right edge leftwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format

from .selectors import Funnel

BAR_AREA = 360  # the longest bar, in CSS pixels
VALUE_SPACE = 60  # room for the count beside the bar
HEIGHT = 22
WIDTH = BAR_AREA + VALUE_SPACE


def percent(share: float | None) -> str:
    """A fraction as a percentage with one decimal in the active language, or an en dash."""
    if share is None:
        return "–"
    # number_format cuts off digits; round first so 5 of 9 is 55.6 %, as in the exports.
    return f"{number_format(round(share * 100, 1), 1)}%"


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    count: int
    x: float
    width: float
    value_x: float
    value_anchor: str


@dataclass(frozen=True)
class FunnelChart:
    width: int
    height: int
    text_y: int  # the baseline of the count, inside a bar's height
    bars: list[Bar]
    rtl: bool


def funnel_chart(funnel: Funnel, *, rtl: bool) -> FunnelChart:
    largest = funnel.largest or 1
    bars = []
    for stage in funnel.stages:
        width = round(BAR_AREA * stage.count / largest, 1)
        if rtl:
            x, value_x, anchor = WIDTH - width, WIDTH - width - 6, "end"
        else:
            x, value_x, anchor = 0, width + 6, "start"
        bars.append(Bar(stage.code, stage.label, stage.count, x, width, value_x, anchor))
    return FunnelChart(width=WIDTH, height=HEIGHT, text_y=HEIGHT - 6, bars=bars, rtl=rtl)
