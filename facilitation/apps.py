from django.apps import AppConfig

from forum.signals import post_placed


class FacilitationConfig(AppConfig):
    name = "facilitation"
    verbose_name = "Facilitation"

    def ready(self):
        # Imported when the registry is ready: models cannot load before.
        from .services import close_follow_ups

        post_placed.connect(close_follow_ups, dispatch_uid="facilitation.follow_ups")
