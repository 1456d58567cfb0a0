from __future__ import annotations

import pytest

from qa_pipeline.timeline import clip, gaps, intersections, support, total
from qa_pipeline.types import Interval as I


@pytest.mark.parametrize("spans, collar, expected", [
    ([], 0, []),
    ([I(0, 1), I(2, 3)], 0, [I(0, 1), I(2, 3)]),
    ([I(2, 3), I(0, 1)], 1.0, [I(0, 3)]),
    ([I(0, 5), I(1, 2)], 0, [I(0, 5)]),
    ([I(0, 1), I(1, 2)], 0, [I(0, 2)]),
], ids=["empty", "apart", "collar", "nested", "touching"])
def test_support(spans, collar, expected):
    assert support(spans, collar_s=collar) == expected


@pytest.mark.parametrize("spans, within, min_s, expected", [
    ([I(1, 2), I(4, 5)], I(0, 6), 0, [I(0, 1), I(2, 4), I(5, 6)]),
    ([I(1, 2), I(4, 5)], I(1, 5), 0, [I(2, 4)]),
    ([I(1, 2), I(2.5, 5)], I(1, 5), 1.0, []),
    ([], I(0, 3), 0, [I(0, 3)]),
])
def test_gaps(spans, within, min_s, expected):
    assert gaps(spans, within=within, min_s=min_s) == expected


def test_intersections_and_total():
    a = [I(0, 5), I(10, 12)]
    b = [I(4, 11)]
    assert intersections(a, b) == [I(4, 5), I(10, 11)]
    assert total(a + b) == 12
    assert clip(a, I(4, 11)) == [I(4, 5), I(10, 11)]
