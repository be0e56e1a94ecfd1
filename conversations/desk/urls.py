from django.urls import path

from conversations.desk import availability, canned, customers, reports, views

app_name = "desk"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("conversations/<int:pk>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/updates", views.conversation_updates, name="conversation-updates"),
    path("conversations/<int:pk>/older", views.conversation_older, name="conversation-older"),
    path("conversations/<int:pk>/reply", views.conversation_reply, name="conversation-reply"),
    path("conversations/<int:pk>/action", views.conversation_action, name="conversation-action"),
    path("conversations/<int:pk>/labels", views.conversation_labels, name="conversation-labels"),
    path("conversations/<int:pk>/typing", views.conversation_typing, name="conversation-typing"),
    path("bulk", views.bulk, name="bulk"),
    path("canned/", canned.canned_replies, name="canned"),
    path("canned/<int:pk>/", canned.canned_replies, name="canned-edit"),
    path("canned/<int:pk>/delete", canned.canned_reply_remove, name="canned-delete"),
    path("preferences", views.preferences, name="preferences"),
    path("availability", availability.availability, name="availability"),
    path("presence", availability.presence, name="presence"),
    path("conversations/<int:pk>/team", availability.conversation_team, name="conversation-team"),
    path("conversations/<int:pk>/customers/<int:customer_id>/edit", customers.customer_edit, name="customer-edit"),
    path("media/<uuid:media_uuid>", views.media_file, name="media"),
    path("reports/", reports.reports, name="reports"),
    path("reports/csv", reports.reports_csv, name="reports-csv"),
]
