from django.core.management.base import BaseCommand

from forum.services import close_due_dialogues


class Command(BaseCommand):
    help = (
        "Lock every dialogue past its closing time (pages also do this lazily, so "
        "running it from cron or a worker is optional)."
    )

    def handle(self, *args, **options):
        count = close_due_dialogues()
        self.stdout.write(f"{count} dialogue(s) locked.")
