from django.db import transaction

from forum.rendering import render_markdown

from .models import User


@transaction.atomic
def update_profile(*, user: User, display_name: str, signature: str) -> User:
    """Change a user's display name and signature, re-rendering the signature."""
    User.objects.filter(pk=user.pk).update(
        display_name=display_name.strip(),
        signature=signature,
        signature_html=render_markdown(signature) if signature.strip() else "",
    )
    user.refresh_from_db(fields=["display_name", "signature", "signature_html"])
    return user


def set_thread_view(*, user: User, view: str) -> bool:
    """Remember a signed-in reader's choice of threaded or flat view."""
    if view not in User.ThreadView.values or user.thread_view == view:
        return False
    User.objects.filter(pk=user.pk).update(thread_view=view)
    user.thread_view = view
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
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=is_staff,
        is_superuser=is_staff,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return update_profile(user=user, display_name=display_name, signature=signature)
