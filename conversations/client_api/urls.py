"""Routes of the client API, exactly as the SDKs write them: no trailing slash, cursors with a colon."""

from django.urls import path, re_path

from conversations.client_api.base import ClientNotFoundView
from conversations.client_api.devices import ConfigView, DevicesView, TypingEventView
from conversations.client_api.media import MediaByIdView, MediaFileView, MediaUploadView
from conversations.client_api.messages import (
    MessageDetailView,
    MessageStatusView,
    MessagesView,
    TimelineView,
    UnseenCountView,
)
from conversations.client_api.satisfaction import SatisfactionView

urlpatterns = [
    path("devices", DevicesView.as_view(), name="devices"),
    path("config", ConfigView.as_view(), name="config"),
    path("services/event/<str:event>", TypingEventView.as_view(), name="typing-event"),
    path("messages", MessagesView.as_view(), name="messages"),
    path("messages/unseen/count", UnseenCountView.as_view(), name="messages-unseen-count"),
    re_path(r"^messages/status/(?P<status>[^/]+)$", MessageStatusView.as_view(), name="messages-status"),
    re_path(r"^messages/(?P<direction>before|after):(?P<cursor>[^/]*)$", TimelineView.as_view(), name="messages-page"),
    re_path(r"^messages/(?P<message_id>[^/:]+)$", MessageDetailView.as_view(), name="message-detail"),
    re_path(r"^satisfaction/(?P<rating_id>[^/]+)$", SatisfactionView.as_view(), name="satisfaction"),
    path("media", MediaUploadView.as_view(), name="media-upload"),
    re_path(
        r"^media/(?P<year>\d{1,4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<filename>[^/]+)$",
        MediaFileView.as_view(),
        name="media-file",
    ),
    re_path(r"^media/(?P<media_id>[^/]+)$", MediaByIdView.as_view(), name="media-by-id"),
    # Any other path, newlines included (`.` would not match one): the envelope's 404, never Django's page.
    re_path(r"^[\s\S]*$", ClientNotFoundView.as_view(), name="not-found"),
]
