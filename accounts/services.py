import json
import logging
import shutil
import zipfile

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import signals
from .models import User
from .names import normalise, skeleton
from .signals import user_shown_changed

logger = logging.getLogger(__name__)


@transaction.atomic
def update_profile(
    *,
    user: User,
    display_name: str,
    signature: str,
    language: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Change a user's display name and signature, re-rendering the signature,
    and (when given) their language and time zone; their posts and topics show
    the new name (the snapshots follow it). The name is stored NFKC-normalised;
    the forms refuse names with control characters or that look like another
    (accounts.forms)."""
    old_shown = (user.name, user.signature)
    display_name = normalise(display_name)
    changes = {
        "display_name": display_name,
        "display_name_skeleton": skeleton(display_name),
        "signature": signature,
        "signature_html": _render_signature(signature) if signature.strip() else "",
    }
    if language is not None:
        changes["language"] = language
    if time_zone is not None:
        changes["time_zone"] = time_zone
    User.objects.filter(pk=user.pk).update(**changes)
    user.refresh_from_db(fields=list(changes))
    if (user.name, user.signature) != old_shown:
        user_shown_changed.send(sender=User, user=user)
    if user.name != old_shown[0]:
        signals.user_renamed.send(sender=User, user=user)
    return user


def _render_signature(text: str) -> str:
    for _receiver, html in signals.signature_rendering.send(sender=User, text=text):
        return html
    return escape(text)


def set_thread_view(*, user: User, view: str) -> bool:
    """Remember a signed-in reader's choice of threaded or flat view."""
    if view not in User.ThreadView.values or user.thread_view == view:
        return False
    User.objects.filter(pk=user.pk).update(thread_view=view)
    user.thread_view = view
    return True


def set_language(*, user: User, language: str) -> bool:
    """Remember a signed-in user's interface language ("" follows the browser)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language: {language!r}")
    if user.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True


@transaction.atomic
def create_user(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    signature: str = "",
    is_staff: bool = False,
    verified: bool = True,
) -> User:
    """Create an account with a (by default verified) primary email address."""
    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=is_staff,
        is_superuser=is_staff,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return update_profile(user=user, display_name=display_name, signature=signature)


FORMER_PARTICIPANT = "Former participant"
REMOVED_REASON = "Removed at the author's request"


def export_time(value) -> str | None:
    return value.isoformat() if value else None


def export_user_data(*, user: User) -> dict:
    """Everything the forum holds about a user, ready for json.dumps: profile,
    email addresses, roles, topics, posts, the revisions of their posts, reports,
    notification settings and watches. The apps built on accounts add their
    sections (personal_data_requested)."""
    data = {
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "signature": user.signature,
            "thread_view": user.thread_view,
            "date_joined": export_time(user.date_joined),
            "last_login": export_time(user.last_login),
            "is_admin": user.is_staff,
            "suspended_at": export_time(user.suspended_at),
            "suspended_until": export_time(user.suspended_until),
            "suspension_reason": user.suspension_reason,
        },
        "email_addresses": [
            {"email": a.email, "primary": a.primary, "verified": a.verified}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
    }
    for _receiver, part in signals.personal_data_requested.send(sender=User, user=user):
        for name, section in part.items():
            if isinstance(data.get(name), dict):
                # A section accounts starts (the profile) that another app extends.
                data[name].update(section)
            else:
                data[name] = section
    return data


def write_user_archive(*, user: User, out) -> None:
    """A user's data as a zip written to the binary file out: data.json (what
    export_user_data gives) and the files the apps keep of them, such as their
    uploads (personal_files_requested). A file missing from its storage is
    left out and logged; the rest is still written."""
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "data.json",
            json.dumps(export_user_data(user=user), indent=2, cls=DjangoJSONEncoder),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for _receiver, files in signals.personal_files_requested.send(
            sender=User, user=user
        ):
            for path, open_file in files:
                try:
                    source = open_file()
                except FileNotFoundError:
                    logger.warning(
                        "Data download: %s of user %s is missing", path, user.pk
                    )
                    continue
                # Stored as they are: uploads are mostly compressed already.
                with source, archive.open(path, "w") as target:
                    shutil.copyfileobj(source, target)


@transaction.atomic
def delete_account(*, user: User, actor: User, remove_posts: bool) -> None:
    """Delete an account for good. Its topics and posts stay in their threads
    under "Former participant"; with remove_posts, the posts' text and revisions
    are erased and placeholders keep the threads' shape (positions and counters
    unchanged). actor is the user or an admin acting for them."""
    if actor.pk != user.pk and not actor.is_staff:
        raise PermissionDenied(_("Only the user or an admin may delete an account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    signals.account_deleting.send(sender=User, user=user, remove_posts=remove_posts)
    user_shown_changed.send(sender=User, user=user)
    # The rest goes with the row: email addresses, read marks, roles and
    # memberships cascade; posts, topics and audit entries keep their rows with
    # the user set to null. A session of the account no longer signs anyone in.
    user.delete()


def set_export_consent(*, user: User, named: bool | None) -> None:
    """Record whether the user may be named in exported dialogues (None: not
    decided, so not named, and asked again on their next post in a dialogue)."""
    User.objects.filter(pk=user.pk).update(named_in_exports=named)
    user.named_in_exports = named
