"""Facilitating a dialogue: its questions, schedule, series and summary, the
facilitators' queue, notes and participation overview, and the export.
Each view: permission getter, then form, then service."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from forum.exceptions import ForumError
from moderation.views import tell_outcome

from . import permissions, queries, services
from .export import export_dialogue, to_markdown, write_zip
from .forms import AnnotationForm, PromptForm, ScheduleForm, SummaryForm
from .models import Series


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
    return render(
        request,
        "facilitation/participation.html",
        {"topic": topic, "data": queries.participation(topic=topic)},
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
