"""Routes of the integration API under /api/ (spec §1). `users/search` comes before `users/<id>`."""

from django.urls import path, re_path

from conversations.integration_api.attachments import AttachmentView
from conversations.integration_api.base import IntegrationNotFoundView
from conversations.integration_api.chats import ChatsView
from conversations.integration_api.conversations import (
    ConversationDetailView,
    ConversationListView,
    ConversationMergeView,
    ConversationSnoozeView,
    ConversationTagsView,
    ConversationView,
)
from conversations.integration_api.messages import (
    ConversationMessagesV2View,
    ConversationMessagesView,
    ConversationTypingView,
)
from conversations.integration_api.oauth import OAuthTokenView
from conversations.integration_api.reports import ConversationReportView
from conversations.integration_api.routing import ConversationHandoverView, TeamsView
from conversations.integration_api.threads import ThreadListView
from conversations.integration_api.users import UserDetailView, UserSearchView, UsersView, UserView
from conversations.integration_api.webhooks import WebhookDetailView, WebhooksView, WebhookTestView

urlpatterns = [
    path("external/users", UsersView.as_view(), name="external-users"),
    path("external/users/search", UserSearchView.as_view(), name="external-users-search"),
    path("external/users/<str:user_id>", UserDetailView.as_view(), name="external-user"),
    path("v1/<str:app_id>/users/<path:user_id>", UserView.as_view(), name="v1-user"),
    path(
        "v1/<str:app_id>/conversations/<path:conversation_id>/messages",
        ConversationMessagesView.as_view(),
        name="v1-conversation-messages",
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

# Any other path under /api/ (newlines included: `.` would not match one) is the error body's 404.
catch_all = [re_path(r"^api(?:/(?!schema/|docs/|redoc/)[\s\S]*)?$", IntegrationNotFoundView.as_view())]
