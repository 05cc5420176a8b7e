from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        # Receivers need the models, which load only once the registry is ready.
        from . import receivers  # noqa: F401
