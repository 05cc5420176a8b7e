from django.apps import AppConfig


class FacilitationConfig(AppConfig):
    name = "facilitation"
    verbose_name = "Facilitation"

    def ready(self):
        # Receivers need the models, which load only once the registry is ready.
        from . import receivers  # noqa: F401
