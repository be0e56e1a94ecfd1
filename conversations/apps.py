from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conversations"

    def ready(self) -> None:
        from agents.delivery.queue import sender_register
        from agents.models import Delivery
        from conversations import missed_email, receivers  # noqa: F401  (receivers connect themselves)

        sender_register(Delivery.Kind.EMAIL, missed_email.send)
