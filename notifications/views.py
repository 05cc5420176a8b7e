"""Pages for notifications: the list, settings, watching, unsubscribing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from forum import permissions

from . import queries, services
from .emails import EMAIL_LABELS, read_unsubscribe_token
from .forms import NotificationSettingsForm, TopicWatchForm


@login_required
def notification_list(request):
    found = queries.notifications_page(
        viewer=request.user, raw_page=request.GET.get("page")
    )
    if found is None:
        raise Http404("No such page.")
    items, page = found
    return render(
        request,
        "notifications/notifications.html",
        {"items": items, "page": page},
    )


@login_required
@require_POST
def mark_notifications_read(request):
    raw = request.POST.get("notification", "")
    if raw:
        try:
            pk = int(raw)
        except ValueError:
            raise Http404("No such notification.") from None
        # An item may stand for several notifications: all of them are read.
        ids = queries.unread_group_ids(viewer=request.user, pk=pk)
    else:
        ids = None
    services.mark_read(user=request.user, notification_ids=ids)
    return redirect(_back_to_list(request.POST.get("page")))


def _back_to_list(page: str | None) -> str:
    url = reverse("notifications:list")
    return f"{url}?page={page}" if page and page.isdigit() and page != "1" else url


@login_required
def notification_settings(request):
    choice = queries.settings_for(user_ids=[request.user.pk])[request.user.pk]
    form = NotificationSettingsForm(
        request.POST or None, initial=NotificationSettingsForm.initial_for(choice)
    )
    if request.method == "POST" and form.is_valid():
        services.update_settings(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:settings")
    watches = queries.watches_of(user=request.user)
    return render(
        request,
        "notifications/notification_settings.html",
        {"form": form, "watches": watches},
    )


@login_required
def watch_topic(request, pk):
    topic = permissions.get_topic_for(request.user, pk=pk)
    level = queries.topic_watch_level(user=request.user, topic=topic)
    form = TopicWatchForm(request.POST or None, initial={"level": level})
    if request.method == "POST" and form.is_valid():
        services.set_topic_watch(
            user=request.user, topic=topic, level=form.cleaned_data["level"]
        )
        messages.success(request, _("Your choice for this topic is saved."))
        return redirect(topic)
    return render(
        request,
        "notifications/watch.html",
        {"topic": topic, "category": topic.category, "form": form},
    )


@login_required
def watch_category(request, slug):
    category = permissions.get_category_for(request.user, slug=slug)
    watching = queries.watches_category(user=request.user, category=category)
    if request.method == "POST":
        wanted = request.POST.get("watch") == "1"
        services.set_category_watch(
            user=request.user, category=category, watching=wanted
        )
        messages.success(
            request,
            _("You watch %(name)s.") % {"name": category.name}
            if wanted
            else _("You no longer watch %(name)s.") % {"name": category.name},
        )
        return redirect(category)
    return render(
        request,
        "notifications/watch.html",
        {"category": category, "watching": watching},
    )


# The signed token is the credential here, so the page works signed out and
# from a mail program's one-click request (RFC 8058), which carries no CSRF
# token. A GET only asks: link checkers in mailboxes open links by themselves.
@csrf_exempt
def unsubscribe(request, token):
    found = read_unsubscribe_token(token)
    if found is None:
        response = render(request, "notifications/unsubscribe_invalid.html", status=400)
        add_never_cache_headers(response)
        return response
    user, what = found
    done = previous = None
    if request.method == "POST":
        restore = request.POST.get("restore") if "undo" in request.POST else None
        previous = services.unsubscribe(user=user, what=what, restore=restore)
        done = "resubscribed" if restore is not None else "unsubscribed"
    response = render(
        request,
        "notifications/unsubscribe.html",
        {
            "done": done,
            "previous": previous,
            "label": EMAIL_LABELS[what],
            "subject_user": user,
        },
    )
    add_never_cache_headers(response)
    return response
