from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "attachments"
    verbose_name = "Attachments"

    def ready(self):
        # Receivers need the models, which load only once the registry is ready.
        from . import receivers  # noqa: F401
