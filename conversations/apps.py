from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conversations"

    def ready(self) -> None:
        from agents.delivery.queue import sender_register
        from agents.models import Delivery
        from conversations import missed_email, receivers  # noqa: F401  (receivers connect themselves)

        sender_register(Delivery.Kind.EMAIL, missed_email.send)

        from conversations.services import routing
        from conversations.signals import capacity_freed, session_opened

        session_opened.connect(routing.routing_session_opened, dispatch_uid="routing_session_opened")
        capacity_freed.connect(routing.routing_capacity_changed, dispatch_uid="routing_capacity_changed")
