from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self):
        # Receivers need the models, which load only once the registry is ready.
        from . import receivers  # noqa: F401
