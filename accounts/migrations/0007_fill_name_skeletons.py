import logging

from django.db import migrations

from accounts.names import skeleton

logger = logging.getLogger(__name__)


def fill_skeletons(apps, schema_editor):
    """Give every existing account the skeletons of its names. Accounts made
    before look-alikes were refused may share one: the oldest keeps it, each
    later one gets it suffixed with its id (still unique, and a new name that
    looks like theirs is still refused, as the oldest's matches), and is
    logged for an admin to look at."""
    User = apps.get_model("accounts", "User")
    taken = set()
    batch = []
    users = User.objects.order_by("pk").only("username", "display_name")
    for user in users.iterator(chunk_size=2000):
        shape = skeleton(user.username)
        if shape in taken:
            logger.warning(
                "Username %r (id %s) looks like an older account's.",
                user.username,
                user.pk,
            )
            shape = f"{shape}#{user.pk}"
        taken.add(shape)
        user.username_skeleton = shape
        user.display_name_skeleton = skeleton(user.display_name)
        batch.append(user)
        if len(batch) == 1000:
            User.objects.bulk_update(batch, ["username_skeleton", "display_name_skeleton"])
            batch = []
    User.objects.bulk_update(batch, ["username_skeleton", "display_name_skeleton"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_name_skeletons"),
    ]

    operations = [
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop),
    ]
