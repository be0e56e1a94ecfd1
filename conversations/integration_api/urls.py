"""Routes of the integration API under /api/ (spec §1). `users/search` comes before `users/<id>`."""

from django.urls import include, path, re_path

from conversations.integration_api.attachments import AttachmentView
from conversations.integration_api.base import IntegrationNotFoundView
from conversations.integration_api.chats import ChatsView
from conversations.integration_api.conversations import (
    ConversationDetailView,
    ConversationListView,
    ConversationMergeView,
    ConversationSnoozeView,
    ConversationTagsView,
)
from conversations.integration_api.customer_privacy import CustomerEraseView, CustomerExportView
from conversations.integration_api.customers import CustomerDetailView, CustomerListView
from conversations.integration_api.entries import (
    AttachmentDataView,
    CustomerThreadView,
    NotesView,
    ReplyView,
    ThreadAttachmentsView,
    ThreadUpdateView,
)
from conversations.integration_api.mailboxes import MailboxDetailView, MailboxListView
from conversations.integration_api.messages import (
    ConversationMessagesV2View,
    ConversationMessagesView,
    ConversationTypingView,
)
from conversations.integration_api.oauth import OAuthTokenView
from conversations.integration_api.reports import ConversationReportView
from conversations.integration_api.routing import ConversationHandoverView, TeamsView
from conversations.integration_api.talkjs import (
    ConversationsView,
    ConversationView,
    ParticipantView,
    UserConversationsView,
)
from conversations.integration_api.threads import SessionListView, ThreadListView
from conversations.integration_api.users import UserDetailView, UserSearchView, UsersView, UserView
from conversations.integration_api.webhooks import WebhookDetailView, WebhooksView, WebhookTestView


def external_users(**initkwargs) -> list:
    """Seed 001's user routes; `users/search` before `users/<id>`."""
    return [
        path("external/users", UsersView.as_view(**initkwargs), name="external-users"),
        path("external/users/search", UserSearchView.as_view(**initkwargs), name="external-users-search"),
        path("external/users/<str:user_id>", UserDetailView.as_view(**initkwargs), name="external-user"),
    ]


urlpatterns = [
    *external_users(),
    path(
        "v1/<str:app_id>/users/<str:user_id>/conversations",
        UserConversationsView.as_view(),
        name="v1-user-conversations",
    ),
    path("v1/<str:app_id>/users/<path:user_id>", UserView.as_view(), name="v1-user"),
    path("v1/<str:app_id>/conversations", ConversationsView.as_view(), name="v1-conversations"),
    path(
        "v1/<str:app_id>/conversations/<path:conversation_id>/messages",
        ConversationMessagesView.as_view(),
        name="v1-conversation-messages",
    ),
    path(
        "v1/<str:app_id>/conversations/<str:conversation_id>/participants/<str:user_id>",
        ParticipantView.as_view(),
        name="v1-conversation-participant",
    ),
    path("v1/<str:app_id>/conversations/<path:conversation_id>", ConversationView.as_view(), name="v1-conversation"),
    path("v2/oauth2/token", OAuthTokenView.as_view(), name="v2-oauth2-token"),
    path("v2/conversations", ConversationListView.as_view(), name="v2-conversations"),
    path("v2/conversations/<str:conversation_id>", ConversationDetailView.as_view(), name="v2-conversation"),
    path("v2/conversations/<str:conversation_id>/chats", ChatsView.as_view(), name="v2-conversation-chats"),
    path("v2/conversations/<str:conversation_id>/threads", ThreadListView.as_view(), name="v2-conversation-threads"),
    path(
        "v2/conversations/<str:conversation_id>/messages",
        ConversationMessagesV2View.as_view(),
        name="v2-conversation-messages",
    ),
    path(
        "v2/conversations/<str:conversation_id>/snooze", ConversationSnoozeView.as_view(), name="v2-conversation-snooze"
    ),
    path("v2/conversations/<str:conversation_id>/tags", ConversationTagsView.as_view(), name="v2-conversation-tags"),
    path(
        "v2/conversations/<str:conversation_id>/handover",
        ConversationHandoverView.as_view(),
        name="v2-conversation-handover",
    ),
    path("v2/teams", TeamsView.as_view(), name="v2-teams"),
    # Help Scout's threads, replies, notes and attachments (#21, hsthreads)
    path("v2/conversations/<str:conversation_id>/sessions", SessionListView.as_view(), name="v2-conversation-sessions"),
    path("v2/conversations/<str:conversation_id>/reply", ReplyView.as_view(), name="v2-conversation-reply"),
    path("v2/conversations/<str:conversation_id>/notes", NotesView.as_view(), name="v2-conversation-notes"),
    path(
        "v2/conversations/<str:conversation_id>/customer",
        CustomerThreadView.as_view(),
        name="v2-conversation-customer-thread",
    ),
    path(
        "v2/conversations/<str:conversation_id>/threads/<str:thread_id>",
        ThreadUpdateView.as_view(),
        name="v2-conversation-thread",
    ),
    path(
        "v2/conversations/<str:conversation_id>/threads/<str:thread_id>/attachments",
        ThreadAttachmentsView.as_view(),
        name="v2-conversation-thread-attachments",
    ),
    path(
        "v2/conversations/<str:conversation_id>/attachments/<str:attachment_id>/data",
        AttachmentDataView.as_view(),
        name="v2-conversation-attachment-data",
    ),
    # (end of hsthreads)
    path("v2/mailboxes", MailboxListView.as_view(), name="v2-mailboxes"),
    path("v2/customers", CustomerListView.as_view(), name="v2-customers"),
    path("v2/customers/<str:customer_id>", CustomerDetailView.as_view(), name="v2-customer"),
    path("v2/customers/<str:customer_id>/export", CustomerExportView.as_view(), name="v2-customer-export"),
    path("v2/customers/<str:customer_id>/erase", CustomerEraseView.as_view(), name="v2-customer-erase"),
    path("v2/mailboxes/<str:mailbox_id>", MailboxDetailView.as_view(), name="v2-mailbox"),
    path("v2/reports/conversations", ConversationReportView.as_view(), name="v2-reports-conversations"),
    path("v2/conversations/<str:conversation_id>/merge", ConversationMergeView.as_view(), name="v2-conversation-merge"),
    path(
        "v2/conversations/<str:conversation_id>/typing", ConversationTypingView.as_view(), name="v2-conversation-typing"
    ),
    path("v2/attachments/<str:attachment_id>", AttachmentView.as_view(), name="v2-attachment"),
    path("v2/webhooks", WebhooksView.as_view(), name="v2-webhooks"),
    path("v2/webhooks/<str:webhook_id>", WebhookDetailView.as_view(), name="v2-webhook"),
    path("v2/webhooks/<str:webhook_id>/test", WebhookTestView.as_view(), name="v2-webhook-test"),
]

# Seed 001's paths as the seed writes them, at the root (`/external/users…`): the same views, auth and errors as
# under /api/; documented once, under /api/ (`schema=None` keeps the aliases out of the OpenAPI schema).
root_aliases = [path("", include((external_users(schema=None), "external")))]

# Any other path under /api/ or /external/ (newlines included: `.` would not match one) is the error body's 404.
catch_all = [
    re_path(r"^api(?:/(?!schema/|docs/|redoc/)[\s\S]*)?$", IntegrationNotFoundView.as_view()),
    re_path(r"^external(?:/[\s\S]*)?$", IntegrationNotFoundView.as_view()),
]
