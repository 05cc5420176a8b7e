from facilitation.services import close_due_dialogues
from forum.jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = (
        "Lock every dialogue past its closing time, with its audit entry. Pages "
        "already read such a dialogue as closed; run this every minute or so "
        "(cron or a worker) so the lock and its log entry are written."
    )

    def handle(self, *args, **options):
        count = close_due_dialogues()
        self.stdout.write(f"{count} dialogue(s) locked.")
