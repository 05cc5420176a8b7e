from forum.jobs import ScheduledCommand
from notifications.tasks import send_digests


class Command(ScheduledCommand):
    help = (
        "Queue the daily digest of everyone whose chosen hour has come in their "
        "time zone and who has had none today; the worker (db_worker) sends them. "
        "Run it every few minutes (a timer, cron or `make run`): each person gets "
        "one digest a day however often or late it runs."
    )

    def handle(self, *args, **options):
        queued = send_digests.call()
        self.stdout.write(f"{queued} digest{'s' if queued != 1 else ''} queued.")
