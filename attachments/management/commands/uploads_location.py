"""Where the attachments storage keeps its files, for scripts/backup and
scripts/restore, read from the settings the site runs with:

    eval "$(python manage.py uploads_location)"

sets UPLOADS_STORAGE ("filesystem": the files are in the directory UPLOADS_DIR,
which the scripts archive and put back; anything else, such as an S3 bucket:
the scripts leave the files to the storage's own backups) and UPLOADS_DIR, each
quoted for the shell."""

import shlex

from django.core.files.storage import FileSystemStorage
from django.core.management.base import BaseCommand

from attachments.storage import attachment_storage


class Command(BaseCommand):
    help = "Print where uploaded files are kept, as shell variable assignments."

    def handle(self, *args, **options):
        if isinstance(attachment_storage, FileSystemStorage):
            storage, directory = "filesystem", str(attachment_storage.location)
        else:
            # The stored object's class, not the lazy wrapper's.
            storage, directory = attachment_storage.__class__.__name__, ""
        self.stdout.write(f"UPLOADS_STORAGE={shlex.quote(storage)}")
        self.stdout.write(f"UPLOADS_DIR={shlex.quote(directory)}")
