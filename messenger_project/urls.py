from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from conversations.client_api.avatars import agent_avatar
from conversations.client_api.base import ClientNotFoundView
from conversations.client_api.stream import client_stream
from conversations.desk import landing
from conversations.desk import views as desk_views
from conversations.desk.stream import desk_stream
from conversations.integration_api import urls as integration_urls
from messenger_project import health

urlpatterns = [
    path("", landing.landing, name="landing"),  # links to the desk, the admin, the demo and the API docs
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("desk/", include("conversations.desk.urls")),
    path("demo/", desk_views.demo, name="demo"),
    path("media/avatars/<path:name>", agent_avatar, name="agent-avatar"),  # MEDIA_URL + the ImageField's name
    # The event streams: served by the ASGI stream handler (messenger_project/asgi.py), not by the WSGI processes.
    path("stream/client", client_stream, name="stream-client"),
    path("stream/desk", desk_stream, name="stream-desk"),
    re_path(r"^clientApi/v(?P<api_version>\d+\.\d+)/", include(("conversations.client_api.urls", "client"))),
    re_path(r"^clientApi(/[\s\S]*)?$", ClientNotFoundView.as_view(), kwargs={"api_version": "0"}),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include((integration_urls.urlpatterns, "integration"))),
    *integration_urls.root_aliases,  # seed 001's /external/users… as written in the seed
    *integration_urls.catch_all,
]

# An error outside the API views' own handlers: the API's body under /clientApi/ and /api/, 503 in an outage.
handler500 = "messenger_project.error_pages.server_error"
