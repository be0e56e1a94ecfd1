"""Every page of ours works under its Content-Security-Policy (issue #16, finding 8): Chromium reports no violation on
the desk, the admin's account page with its chat preview, Swagger UI, Redoc and the demo page, whose widget still
chats; an image attachment shows as a thumbnail and any other file as a download link."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from agents.models import Account, Agent
from conversations.attachments import attachment_store
from conversations.services import desk_reply
from conversations.services.posting import message_post
from tests.browser.conftest import VIEWPORT
from tests.browser.helpers import png_bytes
from tests.browser_widget.helpers import conversation_of, open_widget
from tests.factories import make_conversation, make_customer

pytestmark = pytest.mark.browser

SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "pwned"</script></svg>'
# Every violation the page sees, from the page's own `securitypolicyviolation` events (added before any of its code).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


class Watched:
    """A page whose CSP violations (events and console reports) and uncaught errors are collected."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def goto(self, url: str) -> None:
        """Opens the page and checks that it came with a policy that runs no inline script but its own."""
        response = self.page.goto(url)
        policy = response.headers.get("content-security-policy", "")
        script_src = next((d.split()[1:] for d in policy.split(";") if d.split()[:1] == ["script-src"]), [])
        assert "'self'" in script_src and "'unsafe-inline'" not in script_src, (url, policy)

    def problems(self) -> list[str]:
        return self.console + self.page.evaluate("window.__cspViolations || []")


def signed_in_context(browser: Browser, live_server, user) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=VIEWPORT)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


@pytest.fixture
def watched(page: Page) -> Watched:
    return Watched(page)


def test_the_desk_inbox_and_a_conversation_with_attachments_break_no_policy(
    browser: Browser, live_server, demo_account: Account, demo_agent: Agent
):
    customer = make_customer(account=demo_account)
    conversation = make_conversation(account=demo_account, customers=[customer])
    files = [
        attachment_store(account=demo_account, file_name=name, mime_type=mime, content=content, customer=customer)
        for name, mime, content in [
            ("photo.svg", "image/svg+xml", SVG_WITH_SCRIPT),
            ("invoice.txt", "text/plain", b"Order 991: 3 pens"),
        ]
    ]
    message_post(conversation=conversation, author=customer, text="Two files", media=files)
    label = SimpleUploadedFile("label.png", png_bytes((64, 48)), content_type="image/png")
    desk_reply(conversation=conversation, agent=demo_agent, text="Your label", image=label)
    context = signed_in_context(browser, live_server, demo_agent.user)
    desk = Watched(context.new_page())
    page = desk.page

    desk.goto(f"{live_server.url}/desk/?status=pending")
    expect(page.get_by_role("link", name=customer.display_name)).to_be_visible()
    page.get_by_label("Status").select_option("active")  # submits the filters (a handler of desk.js)
    expect(page).to_have_url(f"{live_server.url}/desk/?view=all&status=active&sort=waiting")
    desk.goto(f"{live_server.url}/desk/conversations/{conversation.pk}/")
    thumbnail = page.locator("li.agent img.thumb")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.naturalWidth") == 64
    expect(page.get_by_role("link", name="photo.svg")).to_have_attribute("href", f"/desk/media/{files[0].uuid}")
    expect(page.get_by_role("link", name="invoice.txt")).to_be_visible()
    assert page.locator(f"img[src*='{files[0].uuid}']").count() == 0
    page.get_by_label("Reply").fill("Thanks, it works")
    page.get_by_role("button", name="Send reply").click()  # the reply form is desk.js's too
    expect(page.locator("li.agent").filter(has_text="Thanks, it works")).to_be_visible()

    assert desk.problems() == []
    context.close()


def test_the_admin_account_page_and_its_preview_break_no_policy(admin_page: Page, demo_account: Account):
    admin = Watched(admin_page)

    admin.goto(f"/admin/agents/account/{demo_account.pk}/change/")
    preview = admin_page.get_by_role("complementary", name="Preview of the chat")
    expect(preview.locator(".sm-header")).to_have_css("background-color", "rgb(65, 85, 129)")
    admin_page.get_by_role("textbox", name="Nav background color:", exact=True).fill("c0392b")
    expect(preview.locator(".sm-header")).to_have_css("background-color", "rgb(192, 57, 43)")
    admin.goto("/admin/")

    assert admin.problems() == []


def test_the_admin_copy_buttons_work_under_the_policy(admin_page: Page, demo_account: Account):
    admin = Watched(admin_page)
    admin_page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    admin.goto(f"/admin/agents/account/{demo_account.pk}/change/")
    admin_page.locator(".field-identification_shown button").click()  # bound by static/agents/admin_copy.js

    assert admin_page.evaluate("navigator.clipboard.readText()") == demo_account.identification
    assert admin.problems() == []


def test_swagger_ui_renders_under_the_policy(watched: Watched):
    watched.goto("/api/docs/")

    expect(watched.page.locator(".swagger-ui .info .title")).to_contain_text("Secure Messenger API", timeout=10000)
    expect(watched.page.locator(".opblock").first).to_be_visible()
    assert watched.problems() == []


def test_redoc_renders_under_the_policy(watched: Watched):
    watched.goto("/api/redoc/")

    expect(watched.page.get_by_role("heading", name="Secure Messenger API", level=1)).to_be_visible(timeout=10000)
    watched.page.get_by_placeholder("Search...").fill("attachment")  # search runs in Redoc's worker
    expect(watched.page.locator("[data-role='search:results']")).to_be_visible()
    # Redoc's footer logo comes from its CDN: blocked on purpose (we load nothing from third parties); it then hides.
    assert [p for p in watched.problems() if REDOC_LOGO not in p] == []


def test_the_demo_page_widget_chats_under_the_policy(watched: Watched, demo_account: Account, demo_agent: Agent):
    page = watched.page

    watched.goto("/demo/")
    open_widget(page)
    chat = page.get_by_role("dialog", name=demo_account.name)
    expect(chat.get_by_text("Welcome to Demo Shop!")).to_be_visible(timeout=5000)
    page.get_by_label("Type a message").fill("Is the policy in the way?")
    page.get_by_role("button", name="Send message").click()
    expect(chat.locator(".sm-own").filter(has_text="Is the policy in the way?")).to_be_visible(timeout=5000)
    page.locator(".sm-root input[type=file]").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": png_bytes((48, 32))}]
    )
    expect(chat.get_by_role("img", name="receipt.png")).to_have_js_property("naturalWidth", 48, timeout=5000)
    desk_reply(conversation=conversation_of(page, demo_account), agent=demo_agent, text="No, all is well.")
    expect(chat.get_by_text("No, all is well.")).to_be_visible(timeout=8000)

    assert watched.problems() == []
