from django.core.management.base import BaseCommand

from notifications.tasks import schedule_digests, send_digests


class Command(BaseCommand):
    help = (
        "Send today's notification digests (each user gets at most one a day); "
        "with --schedule, instead make sure the background worker sends them daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the daily digest task for the worker (db_worker) if it is "
            "not queued yet.",
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            queued = schedule_digests()
            self.stdout.write(
                "Daily digest queued." if queued else "Daily digest already queued."
            )
            return
        sent = send_digests.call(schedule=False)
        self.stdout.write(f"{sent} digest{'s' if sent != 1 else ''} sent.")
