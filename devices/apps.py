from django.apps import AppConfig


class DevicesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "devices"

    def ready(self) -> None:
        from agents.delivery.queue import sender_register
        from agents.models import Delivery
        from devices import signals  # noqa: F401  (connects the receivers)
        from devices.push import apns, custom, fcm

        sender_register(Delivery.Kind.PUSH_FCM, fcm.send)
        sender_register(Delivery.Kind.PUSH_APNS, apns.send)
        sender_register(Delivery.Kind.PUSH_WEBHOOK, custom.send)
        sender_register(Delivery.Kind.PUSH_WEBHOOK_OAUTH, custom.send)
