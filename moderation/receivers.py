"""What moderation does when the forum or accounts announces or asks something,
and when a facilitator role changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import export_time
from accounts.signals import account_deleting, personal_data_requested
from forum.signals import post_edited_by_other

from . import services
from .models import Facilitator, Member, Report
from .permissions import forget_on_change

post_edited_by_other.connect(
    services.log_edit_by_other, dispatch_uid="moderation.log_edit_by_other"
)

for signal in (post_save, post_delete):
    signal.connect(
        forget_on_change,
        sender=Facilitator,
        dispatch_uid=f"moderation.facilitators.{signal is post_save}",
    )


@receiver(account_deleting, dispatch_uid="moderation.remove_reporter")
def remove_reporter(sender, *, user: User, **kwargs) -> None:
    services.delete_reports_by(user=user)


@receiver(personal_data_requested, dispatch_uid="moderation.personal_data")
def personal_data(sender, *, user: User, **kwargs) -> dict:
    """The categories the user facilitates or belongs to, and their reports."""
    return {
        "profile": {
            "facilitator_of": list(
                Facilitator.objects.filter(user=user)
                .order_by("category__name")
                .values_list("category__name", flat=True)
            ),
            "member_of": list(
                Member.objects.filter(user=user)
                .order_by("category__name")
                .values_list("category__name", flat=True)
            ),
        },
        "reports": [
            {
                "post_url": r.post.get_absolute_url(),
                "reason": r.reason,
                "text": r.text,
                "created_at": export_time(r.created_at),
                "status": r.status,
            }
            for r in Report.objects.filter(reporter=user)
            .select_related("post")
            .order_by("created_at", "pk")
        ],
    }
