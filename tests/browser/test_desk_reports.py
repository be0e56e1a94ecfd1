"""The desk's reports page in Chromium (#20): a manager follows the top bar's link, picks a range, sees the cards,
the charts and the table, and downloads the CSV; at 390 px wide the top bar and the page still fit."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from agents.models import Account
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.test_accessibility import blocking_violations, report
from tests.factories import make_agent
from tests.report_data import _conversation, _session, at, report_data


def a_busy_january(account: Account):
    """The hand-made data set, and a month of sessions around it: a few a day, answered and closed."""
    data = report_data(account)
    conversation = _conversation(account, assignee=data.a, team=data.team)
    for day in range(1, 32):
        for n in range(day % 5 + 1):
            opened = at(day, 8 + n)
            _session(
                conversation if n < 4 else _conversation(account),  # one open session a conversation
                created_at=opened,
                first_response_at=opened + timedelta(minutes=2 + day % 7),
                first_responder=data.b if n % 2 else data.a,
                closed_at=opened + timedelta(minutes=40 + 5 * n) if n < 4 else None,
                assignee=data.a if n < 4 else None,
            )
    return data


def test_a_manager_sees_the_report_with_its_charts_and_downloads_the_csv(page: Page, live_server, account: Account):
    account.time_zone = "Europe/Amsterdam"
    account.save()
    data = a_busy_january(account)
    manager = make_agent(account=account, role="manager")
    desk = sign_in(page, manager, live_server.url)
    desk.goto("/desk/")

    desk.get_by_role("link", name="Reports").click()
    desk.get_by_label("From", exact=True).fill("2026-01-01")
    desk.get_by_label("To", exact=True).fill("2026-01-31")
    desk.get_by_role("button", name="Show").click()

    expect(desk.get_by_role("heading", name="Reports")).to_be_visible()
    chart = desk.get_by_role("img", name="Conversations opened and closed")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(62)  # opened and closed, 31 days
    expect(desk.get_by_role("img", name="Median times, in minutes")).to_be_visible()
    expect(desk.locator(".report-table tbody tr")).to_have_count(31)
    expect(desk.locator(".report-table tfoot")).to_contain_text("Total")
    SCREENSHOTS.mkdir(exist_ok=True)
    desk.screenshot(path=str(SCREENSHOTS / "desk-reports.png"), full_page=True)
    violations = blocking_violations(desk)
    assert not violations, report(violations)

    with desk.expect_download() as download:
        desk.get_by_role("link", name="Download CSV").click()
    lines = download.value.path().read_text().splitlines()
    assert download.value.suggested_filename == "conversations-2026-01-01-2026-01-31-by-day.csv"
    assert lines[0].startswith("day,id,opened,closed,")
    assert len(lines) == 1 + 31 + 1  # the header, a day a row, the total

    desk.get_by_label("Group by").select_option("Agent")
    desk.get_by_role("button", name="Show").click()
    expect(desk.locator(".report-table tbody th")).to_have_text([data.a.display_name, data.b.display_name, "No agent"])
    expect(desk.locator(".report-table tbody tr").last).to_contain_text("No agent")

    desk.set_viewport_size({"width": 390, "height": 844})
    desk.get_by_label("Group by").select_option("Day")
    desk.get_by_role("button", name="Show").click()
    expect(chart).to_be_visible()
    topbar = desk.locator("header.topbar").bounding_box()
    assert topbar["width"] <= 390
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    desk.screenshot(path=str(SCREENSHOTS / "desk-reports-390.png"), full_page=True)
    violations = blocking_violations(desk)
    assert not violations, report(violations)


def test_an_agent_without_a_report_role_has_no_reports_link(page: Page, live_server, account: Account):
    agent = make_agent(account=account)
    desk = sign_in(page, agent, live_server.url)

    desk.goto("/desk/")

    expect(desk.get_by_role("link", name="Canned replies")).to_be_visible()
    expect(desk.get_by_role("link", name="Reports")).to_have_count(0)
    desk.set_viewport_size({"width": 390, "height": 844})
    desk.screenshot(path=str(SCREENSHOTS / "desk-inbox-390-no-reports.png"))
