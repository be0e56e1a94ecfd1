"""The customer's timeline: paging by message id with `before` and `after`, no gap and no duplicate."""

from __future__ import annotations

import pytest

from conversations.timeline import PAGE_SIZE, timeline_page
from tests.factories import make_conversation, make_customer, post, timeline_pages_backwards

pytestmark = pytest.mark.django_db


@pytest.fixture
def timeline(account, customer, agent) -> list[int]:
    """120 messages in the customer's timeline (ascending ids), with another customer's messages between them."""
    conversation = make_conversation(account=account, customers=[customer])
    elsewhere = make_conversation(account=account, customers=[make_customer(account=account)])
    ids = []
    for n in range(120):
        ids.append(post(conversation, customer if n % 3 == 0 else agent).pk)
        post(elsewhere, agent)
    return ids


def _is_newest_first(ids: list[int]) -> bool:
    return all(newer > older for newer, older in zip(ids, ids[1:], strict=False))


def test_the_first_page_holds_the_newest_messages(customer, timeline):
    page = timeline_page(customer=customer)

    assert page.message_ids == timeline[::-1][:PAGE_SIZE]
    assert page.has_older is True


def test_paging_with_before_walks_the_whole_timeline_down(customer, timeline):
    pages = timeline_pages_backwards(customer)

    assert [len(p.items) for p in pages] == [50, 50, 20]
    assert [p.has_older for p in pages] == [True, True, False]
    assert all(_is_newest_first(p.message_ids) for p in pages)
    assert [i for p in pages for i in p.message_ids] == timeline[::-1]


def test_paging_with_after_walks_the_whole_timeline_up(customer, timeline):
    pages, cursor = [], 0

    for _ in range(len(timeline) + 1):  # bounded: a cursor that does not advance fails instead of looping on
        if not (page := timeline_page(customer=customer, after=cursor)).items:
            break
        pages.append(page)
        assert max(page.message_ids) > cursor, "paging with after: must move up"
        cursor = max(page.message_ids)

    assert [len(p.items) for p in pages] == [50, 50, 20]
    assert [p.has_older for p in pages] == [False, True, True]
    assert all(_is_newest_first(p.message_ids) for p in pages)
    assert [i for p in pages for i in reversed(p.message_ids)] == timeline


def test_after_returns_the_lowest_ids_above_the_cursor(customer, timeline):
    cursor = timeline[9]

    page = timeline_page(customer=customer, after=cursor)

    assert page.message_ids == timeline[10:60][::-1]
    assert page.has_older is True


def test_after_from_zero_has_nothing_older(customer, timeline):
    page = timeline_page(customer=customer, after=0)

    assert page.message_ids == timeline[:PAGE_SIZE][::-1]
    assert page.has_older is False
