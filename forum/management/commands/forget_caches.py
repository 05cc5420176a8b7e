from django.core.cache import caches
from django.core.management.base import BaseCommand

from forum.versions import start_new_site_version


class Command(BaseCommand):
    help = (
        "Make every cache forget what it held: after the database was replaced "
        "(scripts/restore runs it). Empties the shared cache (sessions, rate-limit "
        "counts, facilitator sets) and starts a site version no page was cached "
        "under, so every server's own cache misses too."
    )

    def handle(self, *args, **options):
        caches["default"].clear()
        start_new_site_version()
        self.stdout.write("Caches emptied; every page will be rendered afresh.")
