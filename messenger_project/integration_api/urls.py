"""Routes of the integration API under /api/ (spec §1). `users/search` comes before `users/<id>`."""

from django.urls import path, re_path

from devices.api.integration_users import UserDetailView, UserSearchView, UsersView
from messenger_project.integration_api.views import IntegrationNotFoundView

urlpatterns = [
    path("external/users", UsersView.as_view(), name="external-users"),
    path("external/users/search", UserSearchView.as_view(), name="external-users-search"),
    path("external/users/<str:user_id>", UserDetailView.as_view(), name="external-user"),
]

catch_all = [re_path(r"^api/(?!schema/|docs/|redoc/).*$", IntegrationNotFoundView.as_view())]
