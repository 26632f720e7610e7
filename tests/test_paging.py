from __future__ import annotations

import pytest

from leadform.web.paging import Page, PageRequest, newer_page, older_page, page_request


def same(n: int) -> int:
    return n


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        ({}, PageRequest()),
        ({"before": "40"}, PageRequest(before=40)),
        ({"after": "40"}, PageRequest(after=40)),
        ({"before": "40", "after": "10"}, PageRequest(before=40)),
        ({"after": "-1"}, PageRequest()),
        ({"before": "soon", "after": "7"}, PageRequest(after=7)),
    ],
)
def test_a_page_is_asked_for_by_one_cursor(params: dict[str, str], wanted: PageRequest) -> None:
    assert page_request(params) == wanted


def test_the_newest_page_links_only_to_older_rows() -> None:
    assert older_page([9, 8, 7, 6], 3, same, None) == Page([9, 8, 7], None, 7)


def test_an_older_page_links_both_ways() -> None:
    assert older_page([6, 5, 4, 3], 3, same, 7) == Page([6, 5, 4], 6, 4)


def test_the_oldest_page_links_only_to_newer_rows() -> None:
    assert older_page([2, 1], 3, same, 3) == Page([2, 1], 2, None)


def test_a_newer_page_is_shown_newest_first() -> None:
    assert newer_page([5, 6, 7, 8], 3, same) == Page([7, 6, 5], 7, 5)


def test_newer_rows_that_reach_the_newest_give_way_to_the_newest_page() -> None:
    assert newer_page([5, 6, 7], 3, same) is None
