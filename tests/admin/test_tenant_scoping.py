"""The Django admin is limited to the accounts a staff user serves (#16, finding 1).

The walk goes through `admin.site._registry`: a newly registered admin that is not built on `TenantScopedAdmin`
(or explicitly exempted below, with the reason) fails here, and so does a tenant model whose way to its account
this file does not know. As a staff user of tenant A who holds EVERY permission and administers A, with rows of
every model in A and in B: no changelist, change / history / delete page, add or change form choice (inlines too),
autocomplete answer or action reaches a row of B; A's rows are there (so that the checks are not vacuous); a
superuser still sees both.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agents.admin_scoping import SuperuserOnlyAdmin, TenantScopedAdmin, TenantScopedInline
from agents.models import (
    Account,
    Agent,
    ApiKey,
    Delivery,
    Holiday,
    Membership,
    OpeningHours,
    PushSettings,
    Team,
    User,
    Webhook,
)
from agents.services import agent_create, api_key_create, oauth_client_create
from conversations.models import Conversation, Media, Message, SatisfactionRating
from conversations.services import canned_reply_save, label_add
from devices.models import Customer, Device
from tests.factories import make_account, make_agent, make_conversation, make_device, make_registered_customer, post

pytestmark = pytest.mark.django_db

# Admins of rows that belong to no tenant, and why they are not tenant-scoped: they must be superusers only.
EXEMPT = {
    "auth.Group": "global sets of permissions, shared by every tenant's users",
    "django_tasks_database.DBTaskResult": "the task queue of every tenant at once",
}

# Ground truth, written independently of the admins' own `account_path`: how each tenant model reaches its account.
ACCOUNT_OF = {
    "agents.Account": "pk",
    "agents.User": "agent__memberships__account",
    "agents.Agent": "memberships__account",
    "agents.Membership": "account",
    "agents.ApiKey": "account",
    "agents.OAuthClient": "account",
    "agents.AuditEntry": "account",
    "agents.PushSettings": "account",
    "agents.Webhook": "account",
    "agents.Delivery": "account",
    "agents.Team": "account",
    "agents.OpeningHours": "account",
    "agents.Holiday": "account",
    "devices.Customer": "account",
    "devices.Device": "account",
    "conversations.Conversation": "account",
    "conversations.Participant": "conversation__account",
    "conversations.Thread": "conversation__account",
    "conversations.Message": "conversation__account",
    "conversations.Media": "account",
    "conversations.Label": "account",
    "conversations.ConversationLabel": "conversation__account",
    "conversations.CannedReply": "account",
    "conversations.SatisfactionRating": "account",
}

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
TENANT_ADMINS = [(model, model_admin) for model, model_admin in REGISTRY if model._meta.label not in EXEMPT]


def _ids(pairs):
    return [model._meta.label for model, _ in pairs]


def rows(model, account: Account):
    """The rows of `model` that belong to `account` (by this file's ground truth)."""
    path = ACCOUNT_OF[model._meta.label]
    return model._default_manager.filter(pk__in=model._default_manager.filter(**{path: account.pk}).values("pk"))


def pks(queryset) -> set[str]:
    return {str(pk) for pk in queryset.values_list("pk", flat=True)}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- the two tenants ---------------------------------------------------------------------------------------


@dataclass
class Tenant:
    account: Account
    admin: Agent
    member: Agent
    bot: Agent
    customer: Customer
    conversation: Conversation
    messages: list[Message]
    key: ApiKey
    webhook: Webhook
    delivery: Delivery


def _tenant(name: str) -> Tenant:
    account = make_account(name=name)
    boss = make_agent(account=account, role=Membership.Role.ADMIN)
    member = make_agent(account=account)
    bot = make_agent(account=account, is_bot=True)
    customer = make_registered_customer(account=account)
    make_device(customer=customer)
    conversation = make_conversation(account=account, customers=[customer], subject=f"{name} subject", assignee=member)
    messages = [post(conversation, customer), post(conversation, member)]
    Media.objects.create(
        account=account,
        file=SimpleUploadedFile(f"{name.replace(' ', '-')}.txt", b"hello"),
        mime_type="text/plain",
        size=5,
        original_name=f"{name} file.txt",
        message=messages[1],
        uploaded_by_agent=member,
    )
    label_add(conversation=conversation, name=f"{name} label", actor_agent=member)
    canned_reply_save(account=account, shortcut="thanks", text=f"{name} thanks you, {{{{customer.first_name}}}}!")
    key, _ = api_key_create(account=account, name=f"{name} key", bot=bot, actor=boss.user)
    oauth_client_create(account=account, name=f"{name} app", bot=bot, actor=boss.user)
    webhook = Webhook.objects.create(
        account=account,
        url="https://hooks.example.com/receive",
        events=["message.created"],
        active=False,
        disabled_reason="410 Gone",
        owner_key=key,
    )
    delivery = Delivery.objects.create(
        account=account,
        kind=Delivery.Kind.WEBHOOK,
        target=webhook.url,
        event_type="ping",
        status=Delivery.Status.FAILED,
        webhook=webhook,
    )
    PushSettings.objects.get_or_create(account=account)
    Team.objects.create(account=account, name=f"{name} team").members.add(member)
    SatisfactionRating.objects.create(
        account=account,
        conversation=conversation,
        thread=conversation.threads.get(),
        customer=customer,
        agent=member,
        rating=4,
        comment=f"{name} was quick",
        asked_at=timezone.now(),
        answered_at=timezone.now(),
    )
    OpeningHours.objects.create(account=account, weekday=0, opens=datetime.time(9), closes=datetime.time(17))
    Holiday.objects.create(account=account, date=datetime.date(2026, 12, 25), name=f"{name} holiday")
    return Tenant(account, boss, member, bot, customer, conversation, messages, key, webhook, delivery)


@pytest.fixture
def a() -> Tenant:
    return _tenant("Alpha Tenant")


@pytest.fixture
def b() -> Tenant:
    Group.objects.create(name="Support")
    return _tenant("Bravo Tenant")


def _staff(username: str, *, accounts=None, role=Membership.Role.ADMIN) -> User:
    """A staff login with EVERY permission, serving `accounts` with `role`."""
    agent = agent_create(
        username=username,
        display_name=username.title(),
        password="pw-long-enough-123",
        accounts={account: role for account in accounts or ()},
    )
    agent.user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=agent.user.pk)


@pytest.fixture
def boss(client: Client, a: Tenant, b: Tenant) -> User:
    """Tenant A's admin, with every permission; the client is logged in as them."""
    user = _staff("boss", accounts=[a.account])
    client.force_login(user)
    return user


@pytest.fixture
def root(a: Tenant, b: Tenant) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-long-enough-123"))
    return client


def snapshot(account: Account) -> dict[str, list[dict]]:
    """Every field of every row of `account`, of every tenant model."""
    return {label: list(rows(apps.get_model(label), account).order_by("pk").values()) for label in sorted(ACCOUNT_OF)}


# --- the registry --------------------------------------------------------------------------------------------


def test_every_registered_admin_is_tenant_scoped_or_exempt_for_a_reason():
    for model, model_admin in REGISTRY:
        label = model._meta.label
        if label in EXEMPT:
            assert isinstance(model_admin, SuperuserOnlyAdmin), f"{label} is exempt ({EXEMPT[label]}): superusers only"
            continue
        assert isinstance(model_admin, TenantScopedAdmin), f"{label}'s admin is not a TenantScopedAdmin"
        assert label in ACCOUNT_OF, f"tests: say how {label} reaches its account in ACCOUNT_OF"
        for inline in model_admin.inlines:
            assert issubclass(inline, TenantScopedInline), f"{inline.__name__} (inline of {label}) is not scoped"
            assert inline.model._meta.label in ACCOUNT_OF, f"tests: say how {inline.model._meta.label} reaches it"


@pytest.mark.parametrize(
    ("path", "errors"), [("customer__account", []), ("customer__name", ["agents.E001"]), ("", ["agents.E001"])]
)
def test_an_account_path_that_leads_elsewhere_fails_the_checks(path, errors):
    class DeviceAdmin(TenantScopedAdmin):
        account_path = path

    assert [error.id for error in DeviceAdmin(Device, admin.site).check()] == errors


EXEMPT_MODELS = [model for model, _ in REGISTRY if model._meta.label in EXEMPT]


@pytest.mark.parametrize("model", EXEMPT_MODELS, ids=[model._meta.label for model in EXEMPT_MODELS])
def test_the_exempt_admins_are_closed_to_tenant_staff(client, boss, root, model):
    assert client.get(url(model, "changelist")).status_code == 403
    assert root.get(url(model, "changelist")).status_code == 200


# --- lists, pages, forms, autocomplete, actions --------------------------------------------------------------


@pytest.mark.parametrize(("model", "model_admin"), TENANT_ADMINS, ids=_ids(TENANT_ADMINS))
def test_the_changelist_lists_the_tenants_rows_only(client, boss, a, b, model, model_admin):
    response = client.get(url(model, "changelist"))

    assert response.status_code == 200
    listed = pks(response.context["cl"].queryset)
    assert pks(rows(model, a.account)) <= listed and pks(rows(model, a.account))
    assert listed.isdisjoint(pks(rows(model, b.account)))
    assert b.account.name not in response.content.decode()  # not even in a filter's choices


@pytest.mark.parametrize(("model", "model_admin"), TENANT_ADMINS, ids=_ids(TENANT_ADMINS))
def test_another_tenants_rows_cannot_be_opened_or_changed(client, boss, a, b, model, model_admin):
    """Each page answers as for a row that does not exist: a redirect to the index, or 404 (403 where the user may
    do that to no row at all)."""
    views = [("get", url(model, view, "{pk}")) for view in ("change", "history", "delete")]
    views += [("post", url(model, "change", "{pk}")), ("post", url(model, "delete", "{pk}"))]
    if model is User:
        views.append(("get", reverse("admin:auth_user_password_change", args=["{pk}"])))

    def answer(method, path, pk):
        response = getattr(client, method)(
            path.replace("%7Bpk%7D", str(pk)), {"post": "yes"} if method == "post" else {}
        )
        return response.status_code, response.get("Location")

    before = snapshot(b.account)
    for row in rows(model, b.account):
        for method, path in views:
            status, location = answer(method, path, row.pk)
            assert (status, location) == answer(method, path, 987654321), f"{method} {path} of {row.pk}"
            assert status in (302, 403, 404) and location in (None, reverse("admin:index"))

    assert snapshot(b.account) == before
    own = rows(model, a.account).first()
    assert client.get(url(model, "change", own.pk)).status_code == 200


def _choice_fields(response):
    """(where, field) for every model-choice field of the admin form and of its inline formsets' forms."""
    found = [("form", name, field) for name, field in response.context["adminform"].form.fields.items()]
    for inline_formset in response.context["inline_admin_formsets"]:
        formset = inline_formset.formset
        for form in [*formset.forms, formset.empty_form]:
            for name, field in form.fields.items():
                # The formset's own hidden pk field (Django builds it over every row) renders no choices, and an
                # unknown id makes a new row: it is not offered and does not reach another row.
                if name != formset._pk_field.name:
                    found.append((formset.prefix, name, field))
    return [(where, name, field) for where, name, field in found if hasattr(field, "queryset")]


@pytest.mark.parametrize(("model", "model_admin"), TENANT_ADMINS, ids=_ids(TENANT_ADMINS))
def test_forms_offer_the_tenants_rows_only(client, boss, a, b, model, model_admin):
    pages = [client.get(url(model, "change", rows(model, a.account).first().pk))]
    add = client.get(url(model, "add"))
    assert add.status_code in (200, 403)
    if add.status_code == 200:
        pages.append(add)

    for page in pages:
        assert page.status_code == 200
        for where, name, field in _choice_fields(page):
            target = field.queryset.model
            assert target._meta.label in ACCOUNT_OF, f"{where}.{name} offers {target._meta.label} rows"
            assert pks(field.queryset).isdisjoint(pks(rows(target, b.account))), f"{where}.{name} offers B's rows"


def _relations(model):
    return [field for field in model._meta.get_fields() if field.is_relation and field.concrete]


@pytest.mark.parametrize(("model", "model_admin"), TENANT_ADMINS, ids=_ids(TENANT_ADMINS))
def test_autocomplete_answers_with_the_tenants_rows_only(client, boss, a, b, model, model_admin):
    """Any relation of the model or of its inlines may be named, not only those with an autocomplete widget."""
    sources = [(model, list(model_admin.autocomplete_fields))] + [
        (inline.model, list(inline.autocomplete_fields)) for inline in model_admin.inlines
    ]
    for source, widgets in sources:
        for field in _relations(source):
            target = field.related_model
            params = {"app_label": source._meta.app_label, "model_name": source._meta.model_name}
            response = client.get("/admin/autocomplete/", {**params, "field_name": field.name})
            if target._meta.label in EXEMPT:
                assert response.status_code in (403, 404)
                continue
            if response.status_code != 200:
                assert field.name not in widgets
                continue
            answered = {result["id"] for result in response.json()["results"]}
            assert answered.isdisjoint(pks(rows(target, b.account))), f"{source.__name__}.{field.name}"
            if field.name in widgets:
                assert answered & pks(rows(target, a.account)), f"{source.__name__}.{field.name} answers nothing"


@pytest.mark.parametrize(("model", "model_admin"), TENANT_ADMINS, ids=_ids(TENANT_ADMINS))
def test_actions_leave_another_tenants_rows_alone(client, boss, a, b, model, model_admin):
    changelist = client.get(url(model, "changelist"))
    action_form = changelist.context["action_form"]  # None: no action at all
    actions = [name for name, _ in action_form.fields["action"].choices if name] if action_form else []
    theirs = sorted(pks(rows(model, b.account)))
    before = snapshot(b.account)

    for action in actions:
        client.post(url(model, "changelist"), {"action": action, "_selected_action": theirs, "post": "yes"})

    assert snapshot(b.account) == before


# --- specific holes of the issue ---------------------------------------------------------------------------


def test_an_api_key_for_another_tenant_is_refused(client, boss, a, b):
    form = client.get(url(ApiKey, "add")).context["adminform"].form
    assert list(form.fields["account"].queryset) == [a.account]

    for data in ({"account": b.account.pk, "name": "stolen"}, {"account": a.account.pk, "name": "x", "bot": b.bot.pk}):
        response = client.post(url(ApiKey, "add"), data)
        assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not ApiKey.objects.filter(name__in=["stolen", "x"]).exists()

    made = client.post(url(ApiKey, "add"), {"account": a.account.pk, "name": "ours", "bot": a.bot.pk})
    assert made.status_code == 302 and ApiKey.objects.filter(account=a.account, name="ours").exists()


def test_a_raw_id_field_does_not_name_another_tenants_row(client, boss, a, b):
    message = a.messages[0]
    data = _form_data(client.get(url(Message, "change", message.pk)))
    data["conversation"] = [str(b.conversation.pk)]

    response = client.post(url(Message, "change", message.pk), data)

    assert response.status_code == 200 and "conversation" in response.context["adminform"].form.errors
    assert b.conversation.subject not in response.content.decode()
    message.refresh_from_db()
    assert message.conversation_id == a.conversation.pk


def test_a_superuser_sees_every_tenant(root, a, b):
    for model, _ in TENANT_ADMINS:
        listed = pks(root.get(url(model, "changelist")).context["cl"].queryset)
        assert pks(rows(model, a.account)) | pks(rows(model, b.account)) <= listed, model._meta.label
        assert root.get(url(model, "change", rows(model, b.account).first().pk)).status_code == 200


def test_a_staff_user_who_is_no_agent_sees_nothing(client, a, b):
    client.force_login(User.objects.create_user("visitor", password="pw-long-enough-123", is_staff=True))
    User.objects.get(username="visitor").user_permissions.set(Permission.objects.all())

    for model, _ in TENANT_ADMINS:
        assert not client.get(url(model, "changelist")).context["cl"].queryset.exists(), model._meta.label
        assert client.get(url(model, "add")).status_code == 403


def test_a_plain_member_reads_but_does_not_write(client, a, b):
    client.force_login(_staff("member", accounts=[a.account], role=Membership.Role.AGENT))
    before = snapshot(a.account)

    listed = pks(client.get(url(Conversation, "changelist")).context["cl"].queryset)
    page = client.get(url(Conversation, "change", a.conversation.pk))
    refused = client.post(url(Conversation, "change", a.conversation.pk), {"subject": "changed"})
    add = client.get(url(ApiKey, "add"))
    client.post(url(ApiKey, "changelist"), {"action": "revoke", "_selected_action": [a.key.pk]})
    client.post(url(Account, "changelist"), {"action": "rotate_shared_secret", "_selected_action": [a.account.pk]})
    client.post(url(Delivery, "changelist"), {"action": "retry_now", "_selected_action": [a.delivery.pk]})

    account_page = client.get(url(Account, "change", a.account.pk)).content.decode()

    assert listed == pks(rows(Conversation, a.account))
    assert page.status_code == 200 and 'name="subject"' not in page.content.decode()
    assert a.account.identification in account_page  # public
    for secret in (a.account.shared_secret, a.account.authorization_secret, a.account.push_settings.webhook_secret):
        assert secret not in account_page
    assert (refused.status_code, add.status_code) == (403, 403)
    assert snapshot(a.account) == before


def test_an_admin_acts_on_their_own_tenants_rows(client, boss, a, b):
    client.post(url(ApiKey, "changelist"), {"action": "revoke", "_selected_action": [a.key.pk, b.key.pk]})
    client.post(url(Webhook, "changelist"), {"action": "turn_on", "_selected_action": [a.webhook.pk, b.webhook.pk]})

    a.key.refresh_from_db(), b.key.refresh_from_db(), a.webhook.refresh_from_db(), b.webhook.refresh_from_db()
    assert (a.key.revoked_at is not None, b.key.revoked_at is None) == (True, True)
    assert (a.webhook.active, b.webhook.active) == (True, False)


# --- users and agents --------------------------------------------------------------------------------------


def test_a_tenant_admin_cannot_make_themselves_superuser(client, boss, a, b):
    page = client.get(url(User, "change", boss.pk))
    fields = page.context["adminform"].form.fields
    data = _form_data(page)
    data.update(is_superuser=["on"], is_staff=["on"], user_permissions=[str(Permission.objects.first().pk)])

    response = client.post(url(User, "change", boss.pk), data)

    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(fields)
    assert response.status_code == 302  # saved: the fields were ignored, not refused
    boss.refresh_from_db()
    assert not boss.is_superuser


def test_a_tenant_admin_cannot_take_over_a_superuser_or_another_tenants_login(client, boss, a, b):
    superuser = User.objects.create_superuser("super", "s@example.com", "pw-long-enough-123")
    Agent.objects.create(user=superuser, display_name="Super")
    Membership.objects.create(agent=superuser.agent, account=a.account, role=Membership.Role.AGENT)
    Membership.objects.create(agent=b.member, account=a.account)  # B's member also serves A
    mightier = _staff("mightier", accounts=[a.account])  # A's admin too, with permissions boss lacks
    boss.user_permissions.remove(Permission.objects.get(codename="delete_account"))

    for user in (superuser, b.member.user, mightier):
        data = _form_data(client.get(url(User, "change", user.pk)))
        assert client.post(url(User, "change", user.pk), data).status_code == 403, user
        assert client.get(reverse("admin:auth_user_password_change", args=[user.pk])).status_code == 403, user
        assert client.post(url(User, "delete", user.pk), {"post": "yes"}).status_code == 403, user
    assert client.post(url(Agent, "delete", b.member.pk), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk__in=[superuser.pk, b.member.user_id, mightier.pk]).count() == 3


def test_a_shared_agent_shows_and_changes_only_the_tenants_membership(client, boss, a, b):
    Membership.objects.create(agent=b.member, account=a.account)

    page = client.get(url(Agent, "change", b.member.pk))
    data = _form_data(page)
    [prefix] = [f.formset.prefix for f in page.context["inline_admin_formsets"]]
    [row] = [n for n in data if n.startswith(prefix) and n.endswith("-role")]
    data[row] = ["admin"]
    response = client.post(url(Agent, "change", b.member.pk), data)

    assert b.account.name not in page.content.decode()
    assert {"display_name", "user"} <= set(page.context["adminform"].readonly_fields)
    assert response.status_code == 302
    assert dict(b.member.memberships.values_list("account__name", "role")) == {
        a.account.name: "admin",
        b.account.name: "agent",
    }


def test_an_admin_cannot_raise_their_role_in_an_account_they_only_serve(client, boss, a, b):
    """Boss administers A and is a plain agent of C: their own agent page lists (and saves) A's membership only."""
    c = make_account(name="Charlie Tenant")
    Membership.objects.create(agent=boss.agent, account=c, role=Membership.Role.AGENT)

    page = client.get(url(Agent, "change", boss.agent.pk))
    data = _form_data(page)
    [prefix] = [f.formset.prefix for f in page.context["inline_admin_formsets"]]
    data[f"{prefix}-0-role"] = ["admin"]
    ids = [str(pk) for pk in boss.agent.memberships.order_by("pk").values_list("pk", flat=True)]
    data[f"{prefix}-0-id"] = [ids[-1]]  # the C membership's id in A's row
    client.post(url(Agent, "change", boss.agent.pk), data)

    assert c.name not in page.content.decode()
    assert boss.agent.memberships.get(account=c).role == "agent"


def test_a_tenant_admin_cannot_grant_another_tenants_membership(client, boss, a, b):
    page = client.get(url(Agent, "change", a.member.pk))
    data = _form_data(page)
    [prefix] = [f.formset.prefix for f in page.context["inline_admin_formsets"]]
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": [str(total + 1)],
            f"{prefix}-{total}-account": [str(b.account.pk)],
            f"{prefix}-{total}-role": ["admin"],
        }
    )

    response = client.post(url(Agent, "change", a.member.pk), data)

    assert response.status_code == 200  # the form again, with an error
    assert not a.member.memberships.filter(account=b.account).exists()


def test_a_tenant_admin_adds_an_agent_to_their_tenant_only(client, boss, a, b):
    form = {
        "username": "newcomer",
        "usable_password": "true",
        "password1": "pw-long-enough-123",
        "password2": "pw-long-enough-123",
        "display_name": "Newcomer",
        "role": "agent",
    }

    refused = client.post(url(User, "add"), {**form, "account": b.account.pk})
    made = client.post(url(User, "add"), {**form, "account": a.account.pk})

    assert refused.status_code == 200 and "account" in refused.context["adminform"].form.errors
    newcomer = User.objects.get(username="newcomer")
    assert made.status_code == 302 and made["Location"] == url(User, "change", newcomer.pk)
    assert (newcomer.is_superuser, newcomer.is_staff, newcomer.check_password("pw-long-enough-123")) == (
        False,
        True,
        True,
    )
    assert list(newcomer.agent.memberships.values_list("account", "role")) == [(a.account.pk, "agent")]


# --- posting a page's own form back --------------------------------------------------------------------------


class _FormReader(HTMLParser):
    """The values a browser would send for the admin's main form."""

    SKIPPED = {"submit", "button", "file", "image", "reset"}

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.textarea: str | None = None
        self.in_form = False

    def add(self, name, value):
        if name and "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and attrs.get("type", "text") not in self.SKIPPED:
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(attrs.get("name"), attrs.get("value") or "on")
            else:
                self.add(attrs.get("name"), attrs.get("value") or "")
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = attrs.get("name")
            self.add(self.textarea, "")

    def handle_data(self, data):
        if self.textarea and self.textarea in self.data:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            if self.textarea in self.data and self.data[self.textarea][-1].startswith("\n"):
                self.data[self.textarea][-1] = self.data[self.textarea][-1][1:]
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def _form_data(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    reader.data.pop("csrfmiddlewaretoken", None)
    return reader.data


def test_the_customer_export_and_erase_pages_answer_404_for_another_tenants_customer(client, boss, a, b):
    """The data-protection tools of the customer admin (#22) are pages of their own, outside the changelist."""
    before = snapshot(b.account)

    for view in ("export", "erase"):
        assert client.get(url(Customer, view, b.customer.pk)).status_code == 404
        assert client.post(url(Customer, view, b.customer.pk)).status_code == 404
        assert client.get(url(Customer, view, a.customer.pk)).status_code == 200

    assert snapshot(b.account) == before


def test_another_tenants_webhook_cannot_be_pinged(client, boss, a, b):
    """The webhook admin's "send a test ping" page (POST) is scoped like its change page: B's is 404, A's queues."""
    assert client.post(f"/admin/agents/webhook/{b.webhook.pk}/ping/").status_code == 404
    assert client.post(f"/admin/agents/webhook/{a.webhook.pk}/ping/").status_code == 302
    assert list(Delivery.objects.filter(event_type="ping", webhook=b.webhook).values_list("pk", flat=True)) == [
        b.delivery.pk
    ]
    assert Delivery.objects.filter(event_type="ping", webhook=a.webhook).count() == 2
