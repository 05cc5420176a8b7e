"""Accounts made before names were compared get their skeletons when the
database migrates; look-alikes that already exist keep working."""

import pytest

from accounts.models import User
from accounts.names import skeleton
from tests.facilitation.test_migrations import latest, migrate

BEFORE = [("accounts", "0005_language_time_zone")]


@pytest.mark.django_db(transaction=True)
def test_existing_accounts_get_their_skeletons():
    try:
        old = migrate(BEFORE).get_model("accounts", "User")
        for username, display_name in [
            ("admin", "Forum Team"),
            ("maren", ""),
            ("\u0430dmin", "Maren Holt"),  # Cyrillic a, made before the check
        ]:
            old.objects.create(username=username, display_name=display_name)
    finally:
        migrate(latest())

    admin, maren, lookalike = User.objects.order_by("pk")
    assert admin.username_skeleton == skeleton("admin")
    assert admin.display_name_skeleton == skeleton("Forum Team")
    assert (maren.username_skeleton, maren.display_name_skeleton) == ("rnaren", "")
    assert lookalike.username_skeleton == f"{skeleton('admin')}#{lookalike.pk}"
    assert lookalike.display_name_skeleton == skeleton("Maren Holt")
    # Its account still saves (a new password, say), keeping its skeleton.
    lookalike.set_password("a-new-secret-for-it")
    lookalike.save()
    lookalike.refresh_from_db()
    assert lookalike.username_skeleton == f"{skeleton('admin')}#{lookalike.pk}"
