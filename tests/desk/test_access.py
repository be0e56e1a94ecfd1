"""Who may use the desk: signed-in agents only, each on the accounts it serves, every POST behind CSRF."""

from __future__ import annotations

import pytest
from django.test import Client

from agents.models import Account, Agent, User
from conversations.models import Conversation, Media, Message
from conversations.services import desk_reply
from conversations.typing import agent_typing_get
from devices.models import Customer
from tests.desk.helpers import png_upload, url
from tests.factories import make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db

PAGES = ["conversation", "conversation-updates", "conversation-older"]
POSTS = {
    "conversation-reply": {"text": "Hello"},
    "conversation-action": {"action": "close"},
    "conversation-typing": {"state": "start"},
}


@pytest.fixture
def chat(account: Account, customer: Customer) -> Conversation:
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello?")
    return conversation


@pytest.fixture
def foreign_chat(other_account: Account) -> Conversation:
    stranger = make_customer(account=other_account, name="Bob Stranger")
    conversation = make_conversation(account=other_account, customers=[stranger])
    post(conversation, stranger, "my secret order number is 991")
    return conversation


def test_an_anonymous_visitor_is_sent_to_the_login(client: Client, chat: Conversation):
    inbox = client.get(url("inbox"))
    page = client.get(url("conversation", chat))

    assert (inbox.status_code, inbox["Location"]) == (302, "/admin/login/?next=/desk/")
    assert (page.status_code, page["Location"]) == (302, f"/admin/login/?next=/desk/conversations/{chat.pk}/")


@pytest.mark.parametrize("name", ["conversation-reply", "conversation-action", "conversation-typing"])
def test_an_anonymous_post_writes_nothing(client: Client, chat: Conversation, name: str):
    response = client.post(url(name, chat), POSTS[name])

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert Message.objects.count() == 1
    assert Conversation.objects.get().status == "active"


def test_a_user_who_is_not_an_agent_gets_a_404(client: Client, chat: Conversation):
    client.force_login(User.objects.create_user(username="visitor", password="a long enough password"))

    assert client.get(url("inbox")).status_code == 404
    assert client.get(url("conversation", chat)).status_code == 404


def test_a_bots_user_gets_a_404(client: Client, bot: Agent, chat: Conversation):
    client.force_login(bot.user)

    assert client.get(url("inbox")).status_code == 404
    assert client.get(url("conversation", chat)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_another_accounts_conversation_is_a_404(desk: Client, foreign_chat: Conversation, name: str):
    response = desk.get(url(name, foreign_chat), {"after": 0, "before": 999})

    assert response.status_code == 404
    assert b"991" not in response.content


@pytest.mark.parametrize("name", list(POSTS))
def test_posting_to_another_accounts_conversation_is_a_404_and_writes_nothing(
    desk: Client, foreign_chat: Conversation, name: str
):
    response = desk.post(url(name, foreign_chat), POSTS[name], headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert Message.objects.count() == 1
    assert Conversation.objects.get().status == "active"
    assert agent_typing_get(conversation_id=foreign_chat.pk) is None


def test_another_accounts_media_is_a_404(desk: Client, other_account: Account, foreign_chat: Conversation):
    other_agent = make_agent(account=other_account)
    message = desk_reply(conversation=foreign_chat, agent=other_agent, text="", image=png_upload())

    response = desk.get(f"/desk/media/{message.attachments.get().uuid}")

    assert response.status_code == 404
    assert Media.objects.count() == 1


def test_the_inbox_and_search_show_only_the_accounts_the_agent_serves(
    desk: Client, chat: Conversation, foreign_chat: Conversation
):
    inbox = desk.get(url("inbox"))
    search = desk.get(url("inbox"), {"q": "991"})
    people = desk.get(url("inbox"), {"q": "Stranger"})

    assert [row.pk for row in inbox.context["rows"]] == [chat.pk]
    assert (search.context["results"].customers, search.context["results"].messages) == ([], [])
    assert (people.context["results"].customers, people.context["results"].messages) == ([], [])


@pytest.fixture
def csrf_desk(agent: Agent) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    return client


@pytest.mark.parametrize("name", list(POSTS))
def test_a_post_without_the_csrf_token_is_refused(csrf_desk: Client, chat: Conversation, name: str):
    response = csrf_desk.post(url(name, chat), POSTS[name], headers={"Accept": "application/json"})

    assert response.status_code == 403
    assert Message.objects.count() == 1
    assert Conversation.objects.get().status == "active"
    assert agent_typing_get(conversation_id=chat.pk) is None


def test_a_post_with_the_pages_csrf_token_is_accepted(csrf_desk: Client, chat: Conversation):
    csrf_desk.get(url("conversation", chat))
    token = csrf_desk.cookies["csrftoken"].value

    response = csrf_desk.post(
        url("conversation-reply", chat), {"text": "Hi!"}, headers={"Accept": "application/json", "X-CSRFToken": token}
    )

    assert (response.status_code, response.json()) == (200, {"ok": True, "error": None})
    assert Message.objects.latest("id").text == "Hi!"


# --- the superuser: the server's operator sees every account (issue #19: a new account is never nobody's) ---------


@pytest.fixture
def superuser_desk(client: Client) -> Client:
    """A superuser made with `createsuperuser`: a login with no agent and no membership."""
    client.force_login(User.objects.create_superuser(username="root", password="a long enough password"))
    return client


def test_a_superuser_without_an_agent_gets_one_on_the_first_visit_and_sees_every_account(
    superuser_desk: Client, chat: Conversation, foreign_chat: Conversation
):
    inbox = superuser_desk.get(url("inbox"))

    assert inbox.status_code == 200
    assert {row.pk for row in inbox.context["rows"]} == {chat.pk, foreign_chat.pk}
    assert [a.pk for a in inbox.context["accounts"]] == list(
        Account.objects.order_by("name").values_list("pk", flat=True)
    )
    made = Agent.objects.get(user__username="root")
    assert (made.display_name, made.is_bot, made.memberships.exists()) == ("root", False, False)
    superuser_desk.get(url("inbox"))
    assert Agent.objects.filter(user__username="root").count() == 1


def test_a_superuser_agent_reads_searches_and_answers_an_account_it_is_no_member_of(
    client: Client, agent: Agent, foreign_chat: Conversation, other_account: Account
):
    # given a superuser whose agent serves `account` only
    root = make_agent(account=agent.memberships.get().account)
    User.objects.filter(pk=root.user_id).update(is_superuser=True)
    client.force_login(root.user)
    image = desk_reply(conversation=foreign_chat, agent=make_agent(account=other_account), text="", image=png_upload())

    # when it opens, searches and answers the other account's conversation
    page = client.get(url("conversation", foreign_chat))
    search = client.get(url("inbox"), {"q": "991"})
    people = client.get(url("inbox"), {"q": "Stranger"})
    media = client.get(f"/desk/media/{image.attachments.get().uuid}")
    reply = client.post(url("conversation-reply", foreign_chat), {"text": "On its way"})

    # then everything answers
    assert page.status_code == 200
    assert b'data-shortcut="a"' not in page.content  # it serves no such account: conversation_assign says not_staff
    assert [m.conversation_id for m in search.context["results"].messages] == [foreign_chat.pk]
    assert [c.name for c in people.context["results"].customers] == ["Bob Stranger"]
    assert media.status_code == 200
    assert reply.status_code == 302
    assert foreign_chat.messages.latest("id").text == "On its way"


def test_a_staff_agent_who_is_not_a_superuser_still_sees_only_its_accounts(
    desk: Client, chat: Conversation, foreign_chat: Conversation, agent: Agent
):
    User.objects.filter(pk=agent.user_id).update(is_staff=True, is_superuser=False)

    inbox = desk.get(url("inbox"))

    assert [row.pk for row in inbox.context["rows"]] == [chat.pk]
    assert [a.pk for a in inbox.context["accounts"]] == [chat.account_id]
    assert desk.get(url("conversation", foreign_chat)).status_code == 404


def test_an_agent_serving_the_account_may_take_the_conversation(desk: Client, chat: Conversation):
    page = desk.get(url("conversation", chat))

    assert b'data-shortcut="a"' in page.content
