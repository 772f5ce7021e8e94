"""The sparkline SVG of the issue and project lists: one <rect> per hour that has events."""

import re
from datetime import UTC, datetime, timedelta

from django.template.loader import render_to_string

from issues import charts

RECT = re.compile(r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"></rect>')


def _chart(counts: list[int]) -> charts.Chart:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [start + timedelta(hours=i) for i in range(len(counts))]
    return charts.make_chart(starts, dict(zip(starts, counts, strict=True)), 96, 20)


def test_only_hours_with_events_are_drawn_at_their_place_and_height():
    chart = _chart([0, 3, 0, 0, 1000, 1] + [0] * 18)
    svg = render_to_string("sparkline.html", {"chart": chart})

    rects = RECT.findall(svg)
    drawn = [bar for bar in chart.bars if bar.count]
    assert len(rects) == 3 == len(drawn)
    for rect, bar in zip(rects, drawn, strict=True):
        assert tuple(float(v) for v in rect) == (bar.x, bar.y, bar.width, bar.height)
    assert [float(r[0]) for r in rects] == [4.0, 16.0, 20.0]  # hours 1, 4 and 5 of 24 (4 px each)
    assert float(rects[1][3]) == 18.0  # the peak: the full height less the 2 px margin
    assert float(rects[2][3]) == 1.0  # one event stays visible next to the spike
    assert 'aria-label="1004 events in the last 24 hours"' in svg


def test_a_quiet_day_draws_no_bar():
    svg = render_to_string("sparkline.html", {"chart": _chart([0] * 24)})

    assert "<rect" not in svg and "0 events, last 24 h" in svg
