from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Connects the receivers of the forum's, moderation's and accounts'
        # signals.
        from . import receivers  # noqa: F401
