import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import (
    url_has_allowed_host_and_scheme,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .forms import DeleteAccountForm, ProfileForm
from .models import User
from .services import (
    delete_account,
    set_export_consent,
    set_language,
    update_profile,
    write_user_archive,
)


@login_required
def edit_profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "signature": user.signature,
            "language": user.language,
            "time_zone": user.time_zone,
        },
        user=user,
    )
    if request.method == "POST" and form.is_valid():
        update_profile(
            user=user,
            display_name=form.cleaned_data["display_name"],
            signature=form.cleaned_data["signature"],
            language=form.cleaned_data["language"],
            time_zone=form.cleaned_data["time_zone"],
        )
        if form.cleaned_data["named_in_exports"] != user.named_in_exports:
            set_export_consent(user=user, named=form.cleaned_data["named_in_exports"])
        # The message is read on the next page, in the language just chosen.
        with translation.override(
            user.language or translation.get_language_from_request(request)
        ):
            messages.success(request, _("Your profile is saved."))
        return _with_language_cookie(redirect("accounts:edit_profile"), user.language)
    return render(request, "accounts/edit_profile.html", {"form": form})


def _with_language_cookie(response, language: str):
    """The response with the language cookie set (or removed for "")."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")
    return response


@require_http_methods(["GET", "POST"])
def switch_language(request):
    """The language switcher on every page. Signed-out readers switch by GET (a
    cookie, and their pages carry no CSRF token and can be cached whole); a
    signed-in reader switches by POST only, and the choice is saved on their
    account, where it wins over the browser's language."""
    data = request.POST if request.method == "POST" else request.GET
    language = data.get("language", "")
    if language not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    if request.user.is_authenticated and request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.user.is_authenticated:
        set_language(user=request.user, language=language)
    return _with_language_cookie(redirect_to_next(request, data), language)


def redirect_to_next(request, data) -> HttpResponseRedirect:
    """Back to the page named in `next` when it is on this site, else the index
    (the switchers of language and of thread view)."""
    target = data.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("forum:index")
    return HttpResponseRedirect(target)


def data_download(user: User) -> FileResponse:
    """A user's data as a zip file to save: data.json and the files they
    uploaded (also used by the admins' user page)."""
    # On disk, not in memory: someone's uploads may weigh many megabytes. The
    # response closes (and so deletes) it once sent.
    archive = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_user_archive(user=user, out=archive)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"forum-data-{user.username}.zip",
        content_type="application/zip",
    )
    # Personal data: no shared or browser cache keeps a copy.
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def download_data(request):
    return data_download(request.user)


@login_required
def delete_own_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        delete_account(
            user=request.user, actor=request.user, remove_posts=form.remove_posts
        )
        logout(request)
        messages.success(
            request, _("Your account is deleted. Thank you for taking part.")
        )
        return redirect("forum:index")
    return render(request, "accounts/delete_account.html", {"form": form})
