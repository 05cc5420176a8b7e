from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Facilitator
        from .permissions import forget_on_change

        for signal in (post_save, post_delete):
            signal.connect(
                forget_on_change,
                sender=Facilitator,
                dispatch_uid=f"moderation.facilitators.{signal is post_save}",
            )
