"""Chart geometry: scale, stacking, drill-down links, colours."""

import pytest

from app.web import charts


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (4, 4), (7, 8), (23, 25), (130, 150)]
)
def test_the_axis_top_is_a_whole_number_of_nice_steps(value, top) -> None:
    assert charts.nice_max(value) == top


def _group(label: str, *values: tuple[str, float]) -> charts.Group:
    return charts.Group(
        label=label,
        href=f"/complaints?g={label}",
        segments=tuple(
            charts.Segment(key, v, f"/complaints?g={label}&k={key}", f"{key} {v}")
            for key, v in values
        ),
    )


def test_columns_stack_each_groups_segments_from_the_bottom() -> None:
    palette = charts.colours(["a", "b"])
    chart = charts.columns(
        [_group("d1", ("a", 2), ("b", 2)), _group("d2", ("a", 1))], palette
    )
    first, second, third = chart.rects
    assert first.y + first.h == pytest.approx(second.y + second.h + first.h)
    assert first.h == pytest.approx(second.h)
    assert third.h == pytest.approx(first.h / 2)
    assert [r.css for r in chart.rects] == ["c0", "c1", "c0"]
    assert second.href == "/complaints?g=d1&k=b"


def test_bars_leave_out_empty_segments_and_print_the_total() -> None:
    chart = charts.bars(
        [_group("甲", ("a", 3), ("b", 0))], charts.colours(["a", "b"]), width=400
    )
    assert len(chart.rects) == 1
    assert [t.text for t in chart.texts] == ["甲", "3"]
    assert chart.texts[0].href == "/complaints?g=甲"


def test_an_empty_chart_says_so() -> None:
    assert charts.bars([], {}).empty
