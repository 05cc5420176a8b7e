from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from .forms import DeleteAccountForm, ProfileForm
from .models import User
from .services import (
    delete_account,
    export_user_data,
    set_export_consent,
    update_profile,
)


@login_required
def edit_profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"display_name": user.display_name, "signature": user.signature},
        user=user,
    )
    if request.method == "POST" and form.is_valid():
        update_profile(
            user=user,
            display_name=form.cleaned_data["display_name"],
            signature=form.cleaned_data["signature"],
        )
        if form.cleaned_data["named_in_exports"] != user.named_in_exports:
            set_export_consent(user=user, named=form.cleaned_data["named_in_exports"])
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:edit_profile")
    return render(request, "accounts/edit_profile.html", {"form": form})


def data_download(user: User) -> JsonResponse:
    """A user's data as a JSON file to save (also used by the admins' user page)."""
    response = JsonResponse(
        export_user_data(user=user), json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"forum-data-{user.username}.json"
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
        messages.success(request, "Your account is deleted. Thank you for taking part.")
        return redirect("forum:index")
    return render(request, "accounts/delete_account.html", {"form": form})
