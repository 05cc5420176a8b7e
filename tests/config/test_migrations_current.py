"""The migrations describe the models as they are, and name nothing of one
machine: made with the development settings, they still match under the test
settings, whose directories differ."""

from io import StringIO

from django.core.management import call_command


def test_no_model_change_lacks_its_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
