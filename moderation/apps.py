from django.apps import AppConfig

from forum.signals import post_edited_by_other


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        # Imported when the registry is ready: models cannot load before.
        from .models import Facilitator
        from .permissions import forget_on_change
        from .services import log_edit_by_other

        post_edited_by_other.connect(
            log_edit_by_other, dispatch_uid="moderation.log_edit_by_other"
        )

        for signal in (post_save, post_delete):
            signal.connect(
                forget_on_change,
                sender=Facilitator,
                dispatch_uid=f"moderation.facilitators.{signal is post_save}",
            )
