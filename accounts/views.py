from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .forms import ProfileForm
from .services import update_profile


@login_required
def edit_profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"display_name": user.display_name, "signature": user.signature},
    )
    if request.method == "POST" and form.is_valid():
        update_profile(
            user=user,
            display_name=form.cleaned_data["display_name"],
            signature=form.cleaned_data["signature"],
        )
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:edit_profile")
    return render(request, "accounts/edit_profile.html", {"form": form})
