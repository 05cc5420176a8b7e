# The clean-up belongs to attachments, but the base of the scheduled jobs is
# the forum's (forum.jobs), which attachments, a lower layer, may not import.
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from attachments.services import delete_unattached
from forum.jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "Delete uploads never shown in a post (left in a draft, or taken out "
        "of the text before posting) older than ATTACHMENTS_UNATTACHED_DAYS, "
        "with their files. Run daily."
    )

    def handle(self, *args, **options):
        older_than = timezone.now() - timedelta(
            days=settings.ATTACHMENTS_UNATTACHED_DAYS
        )
        count = delete_unattached(older_than=older_than)
        self.stdout.write(f"{count} unattached upload(s) deleted.")
