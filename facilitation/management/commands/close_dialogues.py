from django.core.management.base import BaseCommand

from facilitation.services import close_due_dialogues


class Command(BaseCommand):
    help = (
        "Lock every dialogue past its closing time, with its audit entry. Pages "
        "already read such a dialogue as closed; run this every minute or so "
        "(cron or a worker) so the lock and its log entry are written."
    )

    def handle(self, *args, **options):
        count = close_due_dialogues()
        self.stdout.write(f"{count} dialogue(s) locked.")
