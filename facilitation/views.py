"""Facilitating a dialogue: its questions, schedule, series and summary, the
facilitators' queue, notes and participation overview, invitations, and the
export. Each view: permission getter, then form, then service."""

import tempfile
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
)
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from forum import ratelimit
from forum.exceptions import ForumError
from moderation.views import tell_outcome

from . import permissions, queries, services
from .export import export_dialogue, to_markdown, write_zip
from .forms import AnnotationForm, InvitationForm, PromptForm, ScheduleForm, SummaryForm
from .models import Invitation, Series


@login_required
def dialogue_settings(request, pk):
    topic = permissions.get_dialogue_for(request.user, pk=pk)
    entry = queries.series_entry(topic=topic)
    schedule = ScheduleForm(
        request.POST if "schedule" in request.POST else None,
        initial={
            "opens_at": topic.opens_at,
            "closes_at": topic.closes_at,
            "series": entry.series_id if entry else None,
        },
    )
    new_prompt = PromptForm(request.POST if "add_prompt" in request.POST else None)
    if request.method == "POST":
        if "schedule" in request.POST and schedule.is_valid():
            data = schedule.cleaned_data
            services.set_schedule(
                topic=topic, opens_at=data["opens_at"], closes_at=data["closes_at"]
            )
            services.set_series(topic=topic, series=data["series"])
            messages.success(request, _("Schedule saved."))
            return redirect("facilitation:dialogue", pk=pk)
        if "add_prompt" in request.POST and new_prompt.is_valid():
            services.add_prompt(topic=topic, text=new_prompt.cleaned_data["text"])
            messages.success(request, _("Question added."))
            return redirect("facilitation:dialogue", pk=pk)
        if "edit_prompt" in request.POST:
            prompt = get_object_or_404(
                topic.prompts, pk=request.POST.get("edit_prompt")
            )
            text = request.POST.get(f"text-{prompt.pk}", "").strip()
            if not 1 <= len(text) <= 500:
                messages.error(request, _("A question needs 1 to 500 characters."))
            else:
                changed = services.edit_prompt(prompt=prompt, text=text)
                tell_outcome(
                    request,
                    changed,
                    _("Question saved."),
                    _("The question is unchanged."),
                )
            return redirect("facilitation:dialogue", pk=pk)
    return render(
        request,
        "facilitation/dialogue_settings.html",
        {
            "topic": topic,
            "schedule": schedule,
            "new_prompt": new_prompt,
            "prompts": list(topic.prompts.order_by("position", "pk")),
        },
    )


@login_required
def summary(request, pk):
    topic = permissions.get_dialogue_for(request.user, pk=pk)
    candidates = queries.summary_candidates(topic=topic)
    text = request.POST.get("summary", topic.summary) if request.POST else topic.summary
    insert = request.POST.get("insert")
    if insert:
        # Without JavaScript: add a candidate's quote to the draft, not saved yet.
        chosen = next((c for c in candidates if str(c.post.pk) == insert), None)
        if chosen is not None:
            text = text.rstrip() + "\n\n" + chosen.quote
    form = SummaryForm(
        request.POST if request.POST and not insert else None,
        initial={"summary": text},
    )
    if insert:
        form = SummaryForm(initial={"summary": text})
    elif request.method == "POST" and form.is_valid():
        changed = services.set_summary(
            topic=topic, editor=request.user, summary=form.cleaned_data["summary"]
        )
        tell_outcome(
            request, changed, _("Summary saved."), _("The summary is unchanged.")
        )
        return redirect(topic)
    return render(
        request,
        "facilitation/summary.html",
        {
            "topic": topic,
            "form": form,
            "candidates": candidates,
            "revisions": list(topic.summary_revisions.order_by("-edited_at")[:20]),
        },
    )


@login_required
@require_POST
def close(request, pk):
    """The facilitator tools' lock form: the closing summary and note."""
    topic = permissions.get_dialogue_for(request.user, pk=pk)
    summary = request.POST.get("summary")
    changed = services.close_dialogue(
        topic=topic,
        actor=request.user,
        note=request.POST.get("note", "")[:10000],
        summary=None if summary is None else summary[:50_000],
    )
    tell_outcome(
        request, changed, _("Topic locked."), _("This topic was already locked.")
    )
    return redirect(topic)


@login_required
@require_POST
def dismiss(request, pk):
    post = permissions.get_post_for_facilitator(request.user, pk=pk)
    changed = services.dismiss_from_queue(post=post, actor=request.user)
    tell_outcome(
        request,
        changed,
        _("Marked “no follow-up needed”: it left the queue."),
        _("This post was already off the queue."),
    )
    # The queue offers an undo for the post named here.
    return redirect(f"{reverse('moderation:dashboard')}?dismissed={post.pk}")


@login_required
@require_POST
def restore(request, pk):
    post = permissions.get_post_for_facilitator(request.user, pk=pk)
    changed = services.restore_to_queue(post=post)
    tell_outcome(
        request,
        changed,
        _("Back on the queue."),
        _("This post was already on the queue."),
    )
    return redirect("moderation:dashboard")


@login_required
def participation(request, pk):
    topic = permissions.get_dialogue_for(request.user, pk=pk)
    takes_invitations = permissions.takes_invitations(topic.category)
    return render(
        request,
        "facilitation/participation.html",
        {
            "topic": topic,
            "data": queries.participation(topic=topic),
            "takes_invitations": takes_invitations,
            "invitations": (
                queries.invitation_overview(category=topic.category, topic=topic)
                if takes_invitations
                else None
            ),
            "invite_form": _invitation_form(None) if takes_invitations else None,
        },
    )


# Invitations into members-only categories


NOT_MEMBERS_ONLY = gettext_lazy(
    "Only members-only categories take invitations: anyone signed in already "
    "reads this one."
)


def _invitation_form(data) -> InvitationForm:
    # No more at once than an hour allows, so that waiting always lets the
    # whole list through.
    return InvitationForm(data, most=settings.FORUM_INVITATIONS_PER_HOUR)


def _day(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def _tell_invited(request, plan) -> None:
    """One message for those invited, one for each person left out and why."""
    if plan.sent:
        messages.success(
            request,
            ngettext(
                "Invitation sent to %(people)s.",
                "Invitations sent to %(count)d people: %(people)s.",
                len(plan.sent),
            )
            % {
                "count": len(plan.sent),
                "people": ", ".join(i.email for i in plan.sent),
            },
        )
    for invitee in plan.members:
        messages.info(
            request,
            _("%(person)s is already a member, not invited again.")
            % {"person": invitee.typed},
        )
    for invitee, invitation in plan.invited:
        messages.info(
            request,
            _("%(person)s was already invited on %(date)s, not invited again.")
            % {"person": invitee.typed, "date": _day(invitation.created_at)},
        )


def _invite(request, *, category, topic, done: str):
    """The invitation form of a category (for one of its dialogues, if topic):
    the page again with the list kept when an entry names nobody or the hourly
    limit is reached (429), else the invitations sent and back to done."""
    takes_invitations = permissions.takes_invitations(category)
    if request.method == "POST" and not takes_invitations:
        raise PermissionDenied(NOT_MEMBERS_ONLY)
    form = _invitation_form(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        invitees = form.cleaned_data["people"]
        plan = queries.invitation_plan(category=category, invitees=invitees)
        limit = ratelimit.Limit(
            f"invite:{request.user.pk}", settings.FORUM_INVITATIONS_PER_HOUR, 3600
        )
        # The same limit once per invitation: allow() counts them all or none.
        decision = ratelimit.allow(*[limit] * len(plan.to_invite))
        if decision.allowed:
            plan = services.invite_people(
                category=category,
                topic=topic,
                invitees=invitees,
                actor=request.user,
                language=form.cleaned_data["language"],
            )
            _tell_invited(request, plan)
            return redirect(done)
        refusal = decision
    response = render(
        request,
        "facilitation/invite.html",
        {
            "category": category,
            "topic": topic,
            "form": form,
            "takes_invitations": takes_invitations,
            "days": settings.FORUM_INVITATION_DAYS,
            "invitations": queries.invitation_overview(category=category, topic=topic),
            "refusal": refusal,
            "wait": ratelimit.wait_in_words(refusal.retry_after) if refusal else "",
        },
    )
    return ratelimit.refused(response, refusal)


@login_required
def invite(request, pk):
    topic = permissions.get_dialogue_for(request.user, pk=pk)
    return _invite(
        request,
        category=topic.category,
        topic=topic,
        done=reverse("facilitation:participation", args=[topic.pk]),
    )


@login_required
def invite_to_category(request, slug):
    category = permissions.get_category_to_invite_to(request.user, slug=slug)
    return _invite(
        request,
        category=category,
        topic=None,
        done=reverse("facilitation:invite_to_category", args=[category.slug]),
    )


def _back_to_invitations(request, invitation: Invitation) -> str:
    """Where the remind button was: its `next`, else the invitation's page."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    if invitation.topic_id:
        return reverse("facilitation:participation", args=[invitation.topic_id])
    return reverse("facilitation:invite_to_category", args=[invitation.category.slug])


@login_required
@require_POST
def remind_invitation(request, pk):
    invitation = permissions.get_invitation_to_remind(request.user, pk=pk)
    back = _back_to_invitations(request, invitation)
    # Refusals that are certain do not count against the hourly limit.
    if invitation.accepted_at is None and invitation.reminded_at is None:
        decision = ratelimit.allow(
            ratelimit.Limit(
                f"remind:{request.user.pk}",
                settings.FORUM_INVITATION_REMINDERS_PER_HOUR,
                3600,
            )
        )
        if not decision.allowed:
            return ratelimit.refusal_page(
                request,
                decision,
                _("You can send another reminder in %(wait)s.")
                % {"wait": ratelimit.wait_in_words(decision.retry_after)},
            )
    try:
        services.remind(invitation=invitation)
    except services.AlreadyReminded as error:
        messages.error(
            request,
            _("%(email)s was already reminded on %(date)s: one reminder is all.")
            % {"email": invitation.email, "date": _day(error.reminded_at)},
        )
    except services.InvitationUsed:
        messages.info(
            request,
            _("%(email)s has already accepted the invitation.")
            % {"email": invitation.email},
        )
    else:
        messages.success(
            request, _("Reminder sent to %(email)s.") % {"email": invitation.email}
        )
    return redirect(back)


def _invitation_gone(request, invitation: Invitation):
    """410: the link worked once already, or its time is over."""
    return render(
        request,
        "facilitation/invitation_gone.html",
        {
            "invitation": invitation,
            "used": invitation.accepted_at is not None,
            "yours": request.user.is_authenticated
            and invitation.accepted_by_id == request.user.pk,
        },
        status=410,
    )


def _landing(invitation: Invitation) -> str:
    """The dialogue invited to, if it is still in the category; else the
    category."""
    topic = invitation.topic
    if topic is not None and topic.category_id == invitation.category_id:
        return topic.get_absolute_url()
    return invitation.category.get_absolute_url()


# The link is its own secret: no page of it may be kept by a cache or a proxy.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request, token):
    found = queries.invitation_for_token(token)
    if found is None:
        return render(request, "facilitation/invitation_unknown.html", status=404)
    if found.accepted_at is not None or found.is_expired:
        return _invitation_gone(request, found)
    if request.method == "POST" and not request.user.is_authenticated:
        # Signing up from the link: the address it was mailed to is proven, so
        # allauth needs no second check of it (its invitation hook). Not for an
        # address an account already uses: that person signs in.
        if not queries.address_has_account(found.email):
            get_adapter(request).stash_verified_email(request, found.email)
        query = urlencode({"next": request.path, "email": found.email})
        return redirect(f"{reverse('account_signup')}?{query}")
    if request.method == "POST":
        try:
            joined = services.accept_invitation(invitation=found, user=request.user)
        except (services.InvitationUsed, services.InvitationExpired):
            found.refresh_from_db()
            return _invitation_gone(request, found)
        name = found.category.name
        if joined:
            messages.success(
                request,
                _("Welcome: you are now a member of “%(name)s”.") % {"name": name},
            )
        else:
            messages.info(
                request, _("You were already a member of “%(name)s”.") % {"name": name}
            )
        return redirect(_landing(found))
    login = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
    return render(
        request,
        "facilitation/invitation.html",
        {"invitation": found, "login_url": login},
    )


@login_required
def annotate(request, pk):
    post = permissions.get_post_for_facilitator(request.user, pk=pk)
    form = AnnotationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.annotate_post(
                post=post, actor=request.user, note=data["note"], tags=data["tags"]
            )
        except ForumError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Note saved. Only facilitators see it."))
            return redirect(post)
    return render(
        request,
        "facilitation/annotate.html",
        {"post": post, "form": form, "notes": queries.post_notes(post=post)},
    )


@login_required
def topic_notes(request, pk):
    topic = permissions.get_dialogue_for(request.user, pk=pk)
    data = queries.topic_notes(topic=topic, tag=request.GET.get("tag", "")[:100])
    return render(request, "facilitation/notes.html", {"topic": topic, "data": data})


NOT_LOCKED = gettext_lazy("Only locked dialogues can be exported; lock it first.")


def _export(request, pk, respond):
    """The export of a closed dialogue as respond(topic, export) makes it, never
    kept by a cache (who may be named changes with consent); an open one
    redirects to the dialogue with a warning."""
    topic = permissions.get_dialogue_to_export(request.user, pk=pk)
    if not permissions.is_exportable(topic):
        messages.warning(request, NOT_LOCKED)
        return redirect(topic)
    response = respond(topic, export_dialogue(topic=topic))
    add_never_cache_headers(response)
    return response


@login_required
@require_safe
def export_topic(request, pk):
    return _export(
        request,
        pk,
        lambda topic, export: render(
            request, "facilitation/export.html", {"export": export}
        ),
    )


def _markdown_file(topic, export) -> HttpResponse:
    # A dialogue without files stays one .md file, read as it downloads. With
    # files, the .md alone would point at addresses only the forum serves, to
    # those signed in: it comes in a .zip with them, its links made relative.
    name = slugify(topic.title)[:80] or "dialogue"
    if export.attachments:
        # On disk, not in memory: a dialogue's photos may weigh many megabytes.
        # The response closes (and so deletes) it once sent.
        archive = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            write_zip(export, archive)
        except BaseException:
            archive.close()
            raise
        archive.seek(0)
        return FileResponse(
            archive,
            as_attachment=True,
            filename=f"{name}-{topic.pk}.zip",
            content_type="application/zip",
        )
    response = HttpResponse(
        to_markdown(export), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}-{topic.pk}.md"
    )
    return response


@login_required
@require_safe
def export_topic_markdown(request, pk):
    return _export(request, pk, _markdown_file)


def series_detail(request, slug):
    series = get_object_or_404(Series, slug=slug)
    topics = queries.series_page(series=series, viewer=request.user)
    if topics is None:
        raise Http404("No such series.")
    return render(
        request,
        "facilitation/series_detail.html",
        {"series": series, "topics": topics},
    )
