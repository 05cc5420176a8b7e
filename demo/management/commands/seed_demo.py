from django.core.management.base import BaseCommand

from demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo forum: accounts, categories and two facilitated dialogues. "
        "Does nothing if the demo is already present."
    )

    def handle(self, *args, **options):
        if seed_demo(stdout=self.stdout):
            self.stdout.write(self.style.SUCCESS("Demo forum created."))
        else:
            self.stdout.write("Demo forum already present; nothing changed.")
