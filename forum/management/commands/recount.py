from django.core.management.base import BaseCommand

from forum.services import recount_all


class Command(BaseCommand):
    help = "Rebuild every denormalised forum counter (posts, topics, last posts)."

    def handle(self, *args, **options):
        recount_all()
        self.stdout.write("Counters rebuilt.")
