"""The one builder of the timeline answer (`conversations/client_api/timeline_answer.py`), which the database path
and the cache path both use: its paging and envelope keys."""

from __future__ import annotations

import orjson

from conversations.client_api.timeline_answer import timeline_answer


class Shop:
    sticky_message, welcome_message, info_text = "Closed on Sundays.", "", "We answer within a day."
    business_hours_enabled = False  # always open: the sticky text is its own (tests/clientapi/test_business_hours.py)


def paging(**page) -> dict[str, str]:
    return timeline_answer(data=b"[]", account=Shop(), agent=None, **page).extra["paging"]


def test_a_page_with_older_messages_links_both_ways():
    assert paging(newest_id=90, oldest_id=41, has_older=True, after=None) == {
        "before": "/messages/before:41",
        "after": "/messages/after:90",
    }


def test_the_oldest_page_has_no_before():
    assert paging(newest_id=3, oldest_id=1, has_older=False, after=None) == {"before": "", "after": "/messages/after:3"}


def test_an_empty_poll_echoes_its_cursor_and_an_empty_timeline_has_no_links():
    assert paging(newest_id=None, oldest_id=None, has_older=False, after=7) == {
        "before": "",
        "after": "/messages/after:7",
    }
    assert paging(newest_id=None, oldest_id=None, has_older=False, after=None) == {"before": "", "after": ""}


def test_the_envelope_keys_beside_data():
    answer = timeline_answer(
        data=b'[{"id":1}]', account=Shop(), agent=None, newest_id=1, oldest_id=1, has_older=False, after=None
    )

    assert orjson.dumps({"data": answer.data}) == b'{"data":[{"id":1}]}'
    assert answer.extra == {
        "agent": None,
        "paging": {"before": "", "after": "/messages/after:1"},
        "stickyMessage": "Closed on Sundays.",
        "welcomeMessage": "We answer within a day.",
    }
