from django.apps import AppConfig


class AgentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agents"

    def ready(self) -> None:
        from agents import signals as business_hours_signals
        from agents.delivery import signals  # noqa: F401  (connects the receivers)
        from agents.delivery.liveness import worker_readiness
        from agents.delivery.queue import sender_register
        from agents.delivery.webhooks import webhook_send
        from agents.models import Delivery
        from messenger_project.health import readiness_check  # the plumbing imports no app: it is told

        sender_register(Delivery.Kind.WEBHOOK, webhook_send)
        business_hours_signals.connect()
        readiness_check("worker", worker_readiness)
