"""The tenant (Account) and the people and bots who answer for it (Agent), plus API keys."""

from __future__ import annotations

import datetime
import secrets
import string
import uuid
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import pgettext_lazy

from messenger_project.outbound_urls import url_problem

# A retention policy of at most a hundred years: a longer one means "keep", and would overflow the date arithmetic.
RETENTION_DAYS_MAX = 36_500

hex_colour = RegexValidator(
    regex=r"^[0-9a-fA-F]{6}$",
    message="Enter a colour as 6 hexadecimal digits without '#', for example 415581.",
    code="invalid_colour",
)


def new_identification() -> str:
    return secrets.token_hex(10)  # 20 characters, like the SDK examples


def new_app_id() -> str:
    return "app_" + secrets.token_urlsafe(8).replace("-", "x").replace("_", "z")


def new_authorization_secret() -> str:
    return str(uuid.uuid4())


def new_shared_secret() -> str:
    return secrets.token_hex(64)  # 128 hex characters


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


BASE62 = string.ascii_letters + string.digits


def new_event_id() -> str:
    """A webhook event id (integration API §1): `evt_` and 22 base62 characters."""
    return "evt_" + "".join(secrets.choice(BASE62) for _ in range(22))


def default_sender_kinds() -> list[str]:
    return ["customer"]


def time_zone_name(value: str) -> None:
    """An IANA time zone name, such as Europe/Amsterdam."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError("Enter a time zone name such as Europe/Amsterdam.", code="invalid_time_zone") from error


class AutoAssignment(models.TextChoices):
    """How new conversations find an agent (off by default): the available agent with the fewest open
    conversations (balanced), or the one assigned least recently (round robin); both under a capacity."""

    OFF = "off", "Off"
    BALANCED = "balanced", "Balanced"
    ROUND_ROBIN = "round_robin", "Round robin"


class User(AbstractUser):
    """A desk or admin login. Customers are not users; agents and bots hang off this model."""


class Account(models.Model):
    """One company or brand: the tenant everything else belongs to."""

    class Font(models.IntegerChoices):
        SYSTEM = 1, "System"
        SANS = 2, "Sans-serif"
        SERIF = 3, "Serif"
        ROUNDED = 4, "Rounded"
        MONOSPACE = 5, "Monospace"

    class BalloonStyle(models.IntegerChoices):
        SQUARE = 1, "Square"
        ROUNDED = 2, "Rounded"
        BUBBLE = 3, "Bubble with tail"

    class QuotaUnit(models.TextChoices):
        MINUTE = "minute"
        HOUR = "hour"
        DAY = "day"

    name = models.CharField(max_length=200)
    # Public: compiled into apps and sent in `x-iris-identification`. Looked up (and cached) on every client request.
    identification = models.CharField(max_length=64, unique=True, default=new_identification)
    # Public id of the integration API's [S2] paths (`/api/v1/{appId}/…`).
    app_id = models.CharField(max_length=32, unique=True, default=new_app_id)
    # Keys of registered customers' Authorization tokens (client API §2.2): step 1 and step 2.
    authorization_secret = models.CharField(max_length=128, default=new_authorization_secret)
    shared_secret = models.CharField(max_length=256, default=new_shared_secret)

    # --- Chat config of seed 004's GET /config (colours are RGB hex without '#').
    telephone = models.CharField(max_length=40, blank=True)
    font = models.PositiveSmallIntegerField(choices=Font.choices, default=Font.ROUNDED)
    allow_image = models.BooleanField(default=True)
    background_color = models.CharField(max_length=6, default="eeeeee", validators=[hex_colour])
    background_image = models.URLField(blank=True)
    ios_status_bar_text_color = models.CharField(
        max_length=1, choices=[("0", "Dark"), ("1", "Light")], default="0", verbose_name="iOS status bar text"
    )
    nav_background_color = models.CharField(max_length=6, default="415581", validators=[hex_colour])
    nav_text_color = models.CharField(max_length=6, default="ffffff", validators=[hex_colour])
    nav_hide_close_button = models.BooleanField(default=False)
    date_border = models.BooleanField(default=False)
    date_color = models.CharField(max_length=6, default="4a5e83", validators=[hex_colour])
    ios_input_container_background_color = models.CharField(
        max_length=6, default="eeebe6", validators=[hex_colour], verbose_name="iOS input container background"
    )
    input_field_background_color = models.CharField(max_length=6, default="ffffff", validators=[hex_colour])
    input_field_text_color = models.CharField(max_length=6, default="000000", validators=[hex_colour])
    input_field_placeholder_color = models.CharField(max_length=6, default="666666", validators=[hex_colour])
    input_background_color = models.CharField(max_length=6, default="415581", validators=[hex_colour])
    input_text_color = models.CharField(max_length=6, default="ffffff", validators=[hex_colour])
    balloon_style = models.PositiveSmallIntegerField(choices=BalloonStyle.choices, default=BalloonStyle.ROUNDED)
    # Link, time and sent colours default to greens that read at WCAG AA on the default bubbles (white, 415581); the
    # seed's 52d160 gave 1.97:1 and 3.75:1. The widget also corrects a stored colour that reads badly (widget.js).
    user_background_color = models.CharField(max_length=6, default="ffffff", validators=[hex_colour])
    user_text_color = models.CharField(max_length=6, default="4a5e83", validators=[hex_colour])
    user_text_link_color = models.CharField(max_length=6, default="2b7a34", validators=[hex_colour])
    user_time_color = models.CharField(max_length=6, default="2b7a34", validators=[hex_colour])
    user_sent_color = models.CharField(max_length=6, default="2b7a34", validators=[hex_colour])
    account_background_color = models.CharField(max_length=6, default="415581", validators=[hex_colour])
    account_text_color = models.CharField(max_length=6, default="ffffff", validators=[hex_colour])
    account_text_link_color = models.CharField(max_length=6, default="a7f0b0", validators=[hex_colour])
    account_time_color = models.CharField(max_length=6, default="a7f0b0", validators=[hex_colour])
    info_text_background_color = models.CharField(max_length=6, default="eeeeee", validators=[hex_colour])
    info_text_border = models.PositiveSmallIntegerField(default=1)
    info_text_color = models.CharField(max_length=6, default="415581", validators=[hex_colour])
    info_text = models.TextField(blank=True, help_text="Info text shown when push notifications are on.")
    info_text2 = models.TextField(blank=True, help_text="Info text shown when push notifications are off.")
    generic_push_message = models.CharField(
        max_length=255, blank=True, help_text="Fixed push alert text; empty uses the message text."
    )
    authorization_required = models.BooleanField(
        default=False, help_text="Refuse anonymous devices: every device must register with an Authorization token."
    )
    # The web widget's own settings (served with GET config; no Parley SDK reads them).
    pre_chat_form = models.BooleanField(
        default=False,
        verbose_name="pre-chat form",
        help_text="The web widget asks a visitor who is not logged in for an email address (and a name) before the "
        "chat starts, so that missed-message emails reach them.",
    )
    chat_language = models.CharField(
        max_length=8,
        choices=[("en", "English"), ("nl", "Dutch")],
        default="en",
        help_text="The web widget's language when the page's <html lang> is not one it speaks.",
    )

    # --- Texts (Markdown) served with every GET messages response.
    welcome_message = models.TextField(blank=True)
    sticky_message = models.TextField(blank=True)
    offline_message = models.TextField(blank=True, help_text="Shown as the sticky message while nobody is online.")

    # --- Policies
    max_threads = models.PositiveIntegerField(default=100, validators=[MinValueValidator(1)])
    lock_after_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Refuse new threads in conversations idle this long. Empty: off."
    )
    thread_inactivity_hours = models.PositiveIntegerField(default=24, validators=[MinValueValidator(1)])
    allowed_origins = models.JSONField(
        default=list, blank=True, help_text="Web origins allowed to call the client API; empty allows any."
    )
    device_quota_limit = models.PositiveIntegerField(default=3600, validators=[MinValueValidator(1)])
    device_quota_interval = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    device_quota_time_unit = models.CharField(max_length=6, choices=QuotaUnit.choices, default=QuotaUnit.HOUR)
    missed_message_email_minutes = models.PositiveIntegerField(
        default=10,
        help_text="Email a customer with an email address an agent's message not seen within this many minutes. "
        "0: never.",
    )
    # Data protection (#22): closed conversations older than this are deleted by the worker's sweep, with their
    # messages and media (conversations.services.retention). Null: kept for ever.
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(RETENTION_DAYS_MAX)],
        help_text="Delete conversations closed more than this many days ago, with their messages and files. "
        "Empty: keep them for ever.",
    )
    chat_url = models.URLField(
        max_length=2048,
        blank=True,
        help_text="Where customers open the chat: the link of missed-message emails (else the page they last "
        "chatted from).",
    )

    # --- Routing (#20)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[time_zone_name], help_text="For business hours and reports."
    )
    business_hours_enabled = models.BooleanField(
        default=False,
        help_text="Outside the opening hours (and on holidays) the chat shows the offline message and "
        "auto-assignment waits for opening time.",
    )
    auto_assignment = models.CharField(
        max_length=12,
        choices=AutoAssignment.choices,
        default=AutoAssignment.OFF,
        help_text="For conversations not routed to a team (a team has its own).",
    )
    assignment_capacity = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="Open conversations an agent is given at most by auto-assignment (per agent: on the membership).",
    )
    bot_first = models.ForeignKey(
        "Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_bot": True},
        help_text="New conversations go to this bot first; it hands over to a team through the integration API.",
    )
    csat_enabled = models.BooleanField(
        default=False, verbose_name="ask for satisfaction", help_text="Ask the customer for a rating on closing."
    )
    csat_question = models.CharField(
        max_length=255, blank=True, help_text='Empty: "How would you rate our conversation?"'
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A person at the desk, or a bot, who answers for one or more accounts. Its pk is the API's agent id."""

    class Availability(models.TextChoices):
        # Translated: the desk's top bar shows them (the admin too).
        ONLINE = "online", pgettext_lazy("availability", "Online")
        AWAY = "away", pgettext_lazy("availability", "Away")
        OFFLINE = "offline", pgettext_lazy("availability", "Offline")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="agent")
    display_name = models.CharField(max_length=100)
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
    is_bot = models.BooleanField(default=False)
    accounts = models.ManyToManyField(Account, through="Membership", related_name="agents")
    # The desk's notifications of a new customer message, as the agent chose them (both off until they opt in).
    notify_browser = models.BooleanField(default=False, help_text="Show a browser notification.")
    notify_sound = models.BooleanField(default=False, help_text="Play a sound.")
    # Online agents are given conversations by auto-assignment; away and offline ones never.
    availability = models.CharField(max_length=8, choices=Availability.choices, default=Availability.OFFLINE)
    # The last sign of the agent at the desk (a key, a click): idle beyond DESK_AWAY_AFTER_SECONDS, online → away.
    last_active_at = models.DateTimeField(null=True, blank=True)
    # Away because idle (the worker's sweep), not by choice: the next sign of life brings them back online.
    idle_away = models.BooleanField(default=False)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return f"{self.display_name} (bot)" if self.is_bot else self.display_name


class Membership(models.Model):
    """An agent serves an account with a role; only admins of an account may edit it."""

    class Role(models.TextChoices):
        ADMIN = "admin"
        MANAGER = "manager"  # an agent who also sees the account's reports
        AGENT = "agent"

    # Who sees the reports of the account.
    REPORT_ROLES = (Role.ADMIN, Role.MANAGER)

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: the account's capacity."
    )
    # Round robin's turn: the agent assigned least recently goes next.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "account"], name="membership_unique_agent_account")]

    def __str__(self) -> str:
        return f"{self.agent} @ {self.account} ({self.role})"


class Team(models.Model):
    """A group of an account's agents that conversations can be routed to, with its own auto-assignment."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="teams", db_index=False)
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Agent, related_name="teams", blank=True)
    auto_assignment = models.CharField(max_length=12, choices=AutoAssignment.choices, default=AutoAssignment.OFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="team_unique_account_name")]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One opening period of a weekday, in the account's time zone (several per day allowed)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if (
            self.opens is not None
            and self.closes is not None
            and self.closes != datetime.time(0)
            and (self.closes <= self.opens)
        ):
            raise ValidationError({"closes": "Closes after it opens (00:00 for midnight)."})


class Holiday(models.Model):
    """A day the account is closed all day, whatever its weekly hours say."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="holidays", db_index=False)
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="holiday_unique_account_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class ApiKey(models.Model):
    """An integration API key. Only the SHA-256 digest and a display prefix are stored; the key is shown once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The first characters of the key, to tell keys apart.")
    # Looked up on every integration request: unique index on the digest.
    digest = models.CharField(max_length=64, unique=True)
    bot = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_keys",
        help_text="Default sender for this key's bot actions.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OAuthClient(models.Model):
    """An OAuth2 app (client credentials) of an account: the `client_id` and hashed secret live in
    django-oauth-toolkit's own Application row, the tenant in this one.

    Why a row beside DOT's Application rather than a swapped Application model: swapping after DOT's migrations
    have run is fragile (its FKs and migrations name the model), and this keeps DOT upgradable as it ships.

    Why it acts through an ApiKey (`identity`, whose plain text nobody ever holds): the integration API's views
    read `request.auth` as an ApiKey (its account, its bot as the default sender, `owner_key` of the webhooks it
    makes, last use, revocation). A token resolves to its app's key, so everything an API key can do a token
    does, with one code path and no second "principal" type. Revoking the app revokes that key, which ends
    every token at once; revoking the key in the API keys admin does the same."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="oauth_clients")
    name = models.CharField(max_length=100)
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="oauth_client"
    )
    identity = models.OneToOneField(
        ApiKey,
        on_delete=models.CASCADE,
        related_name="oauth_client",
        help_text="The API key the app's tokens act as: its bot, its revocation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "OAuth app"

    def __str__(self) -> str:
        return f"{self.name} ({self.application.client_id[:8]}…)" if self.application_id else self.name

    @property
    def client_id(self) -> str:
        return self.application.client_id

    @property
    def bot(self):
        return self.identity.bot

    @property
    def revoked_at(self):
        return self.identity.revoked_at


class IdempotencyRecord(models.Model):
    """The first 2xx answer to an integration request sent with an `Idempotency-Key`, kept 24 h for replays.

    A row with no `status_code` is a request still running with that key.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict)
    body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Every keyed request: WHERE account_id = ? AND method = ? AND path = ? AND key = ?
            models.UniqueConstraint(fields=["account", "method", "path", "key"], name="idempotency_unique_scope"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]  # expiry sweeps

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class AuditEntry(models.Model):
    """An operator action on accounts, secrets or keys: who, what, when (never the secret itself)."""

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_log")
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    # What changed: {field: [old, new]}, a secret as "changed" (agents.audit_changes); empty for a bare action.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"


class PushSettings(models.Model):
    """An account's push credentials (client API §7): FCM HTTP v1, APNs token auth, and the custom webhooks."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="push_settings")
    fcm_service_account = models.JSONField(
        null=True,
        blank=True,
        verbose_name="FCM service account key",
        help_text="The Firebase service account's JSON key (project_id, client_email, private_key, token_uri).",
    )
    apns_team_id = models.CharField(max_length=10, blank=True, verbose_name="APNs team id")
    apns_key_id = models.CharField(max_length=10, blank=True, verbose_name="APNs key id")
    apns_private_key = models.TextField(blank=True, verbose_name="APNs key (.p8)", help_text="PEM text of the key.")
    apns_topic = models.CharField(max_length=255, blank=True, verbose_name="APNs topic", help_text="The bundle id.")
    apns_sandbox = models.BooleanField(default=False, verbose_name="APNs sandbox", help_text="Development builds.")
    webhook_url = models.URLField(
        max_length=2048, blank=True, help_text="Push types 4 and 5: the URL that receives each push, signed."
    )
    webhook_secret = models.CharField(
        max_length=64, default=new_webhook_secret, help_text="Signs push webhooks (X-Webhook-Signature)."
    )
    oauth_token_url = models.URLField(
        max_length=2048, blank=True, verbose_name="OAuth token URL", help_text="Push type 5: client credentials."
    )
    oauth_client_id = models.CharField(max_length=255, blank=True, verbose_name="OAuth client id")
    oauth_client_secret = models.CharField(max_length=255, blank=True, verbose_name="OAuth client secret")
    oauth_scope = models.CharField(max_length=255, blank=True, verbose_name="OAuth scope")

    class Meta:
        verbose_name = "push settings"
        verbose_name_plural = "push settings"

    def __str__(self) -> str:
        return f"Push settings of {self.account}"

    FCM_KEY_FIELDS = ("type", "project_id", "private_key", "client_email", "token_uri")

    def clean(self) -> None:

        problems = {
            name: f"This URL {problem}."
            for name in ("webhook_url", "oauth_token_url")
            if getattr(self, name) and (problem := url_problem(getattr(self, name)))
        }
        if problems:
            raise ValidationError(problems)
        key = self.fcm_service_account
        if key in (None, {}, ""):
            return
        missing = [name for name in self.FCM_KEY_FIELDS if not isinstance(key, dict) or not key.get(name)]
        if missing:
            raise ValidationError(
                {"fcm_service_account": f"Paste the service account's JSON key file; it lacks {', '.join(missing)}."}
            )


class Webhook(models.Model):
    """A receiver of signed events (integration API §8.8), made through the API with a key."""

    class Event(models.TextChoices):
        MESSAGE_CREATED = "message.created"
        CONVERSATION_CREATED = "conversation.created"
        CONVERSATION_UPDATED = "conversation.updated"
        CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
        CONVERSATION_ASSIGNED = "conversation.assigned"
        CONVERSATION_MERGED = "conversation.merged"
        THREAD_OPENED = "thread.opened"
        THREAD_CLOSED = "thread.closed"
        USER_CREATED = "user.created"
        USER_UPDATED = "user.updated"
        USER_DELETED = "user.deleted"
        USER_MERGED = "user.merged"
        TYPING_STARTED = "typing.started"
        TYPING_STOPPED = "typing.stopped"
        CONVERSATION_HANDED_OVER = "conversation.handed_over"
        SATISFACTION_RATED = "satisfaction.rated"
        PING = "ping"

    SENDER_KINDS = ("customer", "agent", "bot", "system")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list)
    sender_kinds = models.JSONField(default=default_sender_kinds, help_text="Which senders' messages are sent.")
    description = models.CharField(max_length=255, blank=True)
    secret = models.CharField(max_length=64, default=new_webhook_secret)
    # The loop guard: messages of this key's bot are not sent to this webhook.
    owner_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks")
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="First failure since the last success.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        # Every event: WHERE account_id = ? AND active
        indexes = [models.Index(fields=["account", "active"], name="webhook_account_active_idx")]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        """The outgoing-URL policy (https, a public address), as the integration API checks it."""
        if self.url and (problem := url_problem(self.url)):
            raise ValidationError({"url": f"This URL {problem}."})


class Delivery(models.Model):
    """One thing to send out of the server (a webhook event, a push, an email) and how sending it went.

    Written in the transaction of the change it reports (an outbox row), attempted by the task queue after
    commit, retried with back-off; a worker's lease (`locked_until`) that runs out makes it due again.
    """

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        PUSH_FCM = "push_fcm", "Push: FCM"
        PUSH_APNS = "push_apns", "Push: APNs"
        PUSH_WEBHOOK = "push_webhook", "Push: custom webhook"
        PUSH_WEBHOOK_OAUTH = "push_webhook_oauth", "Push: custom webhook (OAuth)"
        EMAIL = "email", "Missed-message email"

    class Status(models.TextChoices):
        PENDING = "pending"  # waiting for its next attempt
        SENDING = "sending"  # a worker is attempting it until `locked_until`
        DELIVERED = "delivered"
        FAILED = "failed"  # given up: out of retries, or refused for good
        CANCELLED = "cancelled"  # nothing left to send: token unregistered, webhook off, message seen

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.CharField(max_length=2048, help_text="The URL, device or email address it goes to.")
    event_id = models.CharField(max_length=32, default=new_event_id, help_text="X-Webhook-Id of a webhook event.")
    event_type = models.CharField(max_length=40)
    reference = models.CharField(max_length=128, blank=True, help_text="What it is about: message:10743, …")
    # No database constraint: a process may still queue an event for a webhook another one just deleted (its
    # cached list lags a few seconds); the sender then cancels the delivery.
    webhook = models.ForeignKey(
        Webhook, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries", db_constraint=False
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When a task was last queued for it.")
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The sweep: WHERE status IN ('pending', 'sending') AND next_attempt_at / locked_until < now
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="delivery_due_idx",
            ),
            # Admin search and the missed-message burst: WHERE reference = ? [AND kind = ? AND status = ?]
            models.Index(fields=["reference", "kind"], name="delivery_reference_idx"),
            models.Index(fields=["event_id"], name="delivery_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_type} → {self.target}"


class WorkerHeartbeat(models.Model):
    """A task worker (`db_worker`) says it is alive: its sweep upserts its row every DELIVERY_SWEEP_SECONDS.

    `/readyz` and the deliveries admin read the newest beat (`agents.delivery.liveness`); rows of workers gone
    for a day are pruned by the live ones."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_beat_at"]

    def __str__(self) -> str:
        return f"worker {self.host}:{self.pid}"
