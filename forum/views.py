import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts import services as account_services
from accounts.models import User
from accounts.views import redirect_to_next
from attachments import queries as attachment_queries
from attachments import services as attachment_services
from attachments import serving as attachment_serving
from attachments import uploadhandlers
from attachments.processing import Refused

from . import permissions, queries, ratelimit, services
from . import search as search_module
from .conditional import VIEW_COOKIE, signed_out_cache
from .exceptions import ForumError, ParentNotInTopic, TopicLocked
from .forms import (
    DialogueTopicForm,
    DraftForm,
    EditOpeningPostForm,
    EditPostForm,
    ReplyForm,
    SearchForm,
    TopicForm,
)
from .markdown import attached_ids, escape_label, plain_line, render_markdown
from .models import Draft
from .quoting import leading_quote, quote_markdown
from .versions import site_version


def thread_view_of(request) -> str:
    """The reader's remembered choice of threaded or flat view."""
    if request.user.is_authenticated:
        return request.user.thread_view
    view = request.COOKIES.get(VIEW_COOKIE)
    return view if view in User.ThreadView.values else User.ThreadView.THREADED


def _page_or_404(request, *, count: int, per_page: int) -> int:
    number = queries.page_number(
        request.GET.get("page"), count=count, per_page=per_page
    )
    if number is None:
        raise Http404("No such page.")
    return number


def fragment_key(view: str) -> str:
    """What every cached fragment of a page varies by besides its own row: the
    language and time zone it is written in, the thread view, and the site's
    version (display names, roles)."""
    return "|".join(
        [
            get_language(),
            timezone.get_current_timezone_name(),
            view,
            str(site_version()),
        ]
    )


@signed_out_cache(lambda request: queries.index_versions(viewer=request.user))
def index(request):
    categories = queries.index_page(viewer=request.user)
    return render(request, "forum/index.html", {"categories": categories})


@signed_out_cache(
    lambda request, slug: queries.category_versions(viewer=request.user, slug=slug)
)
def category_detail(request, slug):
    category = queries.category_for_reader(viewer=request.user, slug=slug)
    page = _page_or_404(
        request, count=category.topic_count, per_page=settings.FORUM_TOPICS_PER_PAGE
    )
    rows, info = queries.category_page(
        category=category, viewer=request.user, page=page
    )
    return render(
        request,
        "forum/category_detail.html",
        {
            "category": category,
            "rows": rows,
            "page": info,
            "can_start_topic": permissions.can_start_topic(request.user, category),
            "fragment_key": fragment_key(""),
        },
    )


def _int_param(request, name: str, default: int | None) -> int | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise Http404(f"No such {name}.") from None


@signed_out_cache(
    lambda request, pk, slug=None: queries.topic_versions(viewer=request.user, pk=pk)
)
def topic_detail(request, pk, slug=None):
    topic = queries.topic_for_reader(viewer=request.user, pk=pk)
    page = _int_param(request, "page", 1)
    view = thread_view_of(request)
    data = queries.topic_page(
        topic=topic,
        viewer=request.user,
        view=view,
        page=page,
        prompt_id=_int_param(request, "prompt", None),
    )
    if data is None or not 1 <= page <= data.info.num_pages:
        raise Http404("No such page.")
    if request.user.is_authenticated:
        services.mark_read(
            user=request.user,
            topic=topic,
            read_up_to=data.read_up_to,
            positions=[p.position for p in data.posts],
            post_ids=[p.pk for p in data.posts],
        )
    can_reply = permissions.can_reply(request.user, topic)
    move_targets = []
    if data.moderator:
        move_targets = queries.move_targets(viewer=request.user, topic=topic)
    context = {
        "move_targets": move_targets,
        "can_post": permissions.can_post(request.user),
        "topic": topic,
        "category": topic.category,
        "data": data,
        "page": data.info,
        "view": view,
        "can_reply": can_reply,
        "max_depth": settings.FORUM_MAX_THREAD_DEPTH,
        "fragment_key": fragment_key(view),
    }
    if can_reply:
        draft = queries.draft_for(user=request.user, kind=Draft.Kind.REPLY, topic=topic)
        context["draft"] = draft
        context["form"] = ReplyForm(
            initial={"submission_key": uuid.uuid4().hex, **_restored(draft)},
            prompts=data.prompts,
            ask_consent=request.user.named_in_exports is None,
        )
    return render(request, "forum/topic_detail.html", context)


def post_permalink(request, pk):
    post = permissions.get_post_for(request.user, pk=pk)
    number = queries.post_page_number(post=post, view=thread_view_of(request))
    url = reverse("forum:topic", args=[post.topic_id])
    if number > 1:
        url += f"?page={number}"
    return HttpResponseRedirect(f"{url}#p{post.pk}")


def topic_unread(request, pk):
    topic = permissions.get_topic_for(request.user, pk=pk)
    if not request.user.is_authenticated:
        return redirect(topic)
    post = queries.first_unread_post(topic=topic, viewer=request.user)
    return redirect(post) if post else redirect(topic)


@login_required
@require_POST
def mark_all_read(request, slug=None):
    """Everything in a category, or in the whole forum, becomes read."""
    category = None
    if slug is not None:
        category = permissions.get_category_for(request.user, slug=slug)
    count = services.mark_all_read(user=request.user, category=category)
    messages.success(
        request,
        ngettext("Marked %(count)s topic read.", "Marked %(count)s topics read.", count)
        % {"count": count},
    )
    return redirect(category or "forum:index")


@require_http_methods(["GET", "POST"])
def set_thread_view(request):
    """Remember the reader's choice of view: in a cookie, and for a signed-in
    reader (by POST only) in their profile. Signed-out readers switch by GET, so
    their pages carry no CSRF token and can be cached whole."""
    data = request.POST if request.method == "POST" else request.GET
    view = data.get("view", "")
    if view not in User.ThreadView.values:
        raise Http404("No such view.")
    if request.user.is_authenticated and request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    response = redirect_to_next(request, data)
    if request.user.is_authenticated:
        account_services.set_thread_view(user=request.user, view=view)
    response.set_cookie(
        VIEW_COOKIE, view, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
    )
    return response


def _posting_allowed(user) -> ratelimit.Decision:
    """Count one post, unless the user is posting faster than allowed (new
    accounts more strictly)."""
    if timezone.now() - user.date_joined >= timedelta(days=1):
        return ratelimit.allow(
            ratelimit.Limit(f"post:m:{user.pk}", settings.FORUM_POSTS_PER_MINUTE, 60)
        )
    return ratelimit.allow(
        ratelimit.Limit(
            f"post:m:{user.pk}", settings.FORUM_NEW_ACCOUNT_POSTS_PER_MINUTE, 60
        ),
        ratelimit.Limit(
            f"post:h:{user.pk}", settings.FORUM_NEW_ACCOUNT_POSTS_PER_HOUR, 3600
        ),
    )


def _refused_post(user, form) -> ratelimit.Decision | None:
    """Count one post; when it is refused, say on the form (which keeps the text)
    when posting is possible again."""
    decision = _posting_allowed(user)
    if decision.allowed:
        return None
    form.add_error(
        None,
        _("You are posting too fast. You can post again in %(wait)s.")
        % {"wait": ratelimit.wait_in_words(decision.retry_after)},
    )
    return decision


def _restored(draft: Draft | None, title_field: str = "subject") -> dict:
    """The initial values of a form from the writer's draft for it."""
    if draft is None:
        return {}
    values = {"body": draft.body, title_field: draft.title}
    if draft.parent_id:
        values["parent"] = draft.parent_id
    if draft.quoting_id:
        values["quoting"] = draft.quoting_id
    return values


def _keep_draft(
    request, *, kind: str, parent=None, quoting=None, body: str | None = None, **target
):
    """Save the posted form's text (with body in place of what was typed, if
    given) as the writer's draft of this form; the DraftForm, with its errors
    when the text does not fit a post."""
    data = request.POST
    if body is not None:
        data = data.copy()
        data["body"] = body
    form = DraftForm(data, kind=kind)
    if form.is_valid():
        services.save_draft(
            user=request.user,
            kind=kind,
            parent=parent,
            quoting=quoting,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            **target,
        )
    return form


def _draft_saved(request, url: str):
    messages.success(
        request,
        _("Draft saved. It is here when you open this form again, on any device."),
    )
    return redirect(url)


def _preview(request, form, post=None) -> str:
    if "preview" not in request.POST:
        return ""
    body = form.data.get("body", "")
    if not body.strip() or len(body) > 50_000:
        return ""
    return services.render_body(body, author=request.user, post=post)[0]


@login_required
def new_topic(request, slug):
    category = permissions.get_category_for(request.user, slug=slug)
    if not permissions.can_start_topic(request.user, category):
        raise PermissionDenied(
            _("Your account is suspended: you cannot post.")
            if not permissions.can_post(request.user)
            else _(
                "New topics here are opened by facilitators and regular participants."
            )
        )
    moderator = permissions.can_moderate(request.user, category)
    form_class = DialogueTopicForm if moderator else TopicForm
    draft = queries.draft_for(
        user=request.user, kind=Draft.Kind.TOPIC, category=category
    )
    form = form_class(request.POST or None, initial=_restored(draft, "title"))
    if _file_chosen(request):
        return upload(request)
    preview = ""
    refusal = None
    if request.method == "POST":
        preview = _preview(request, form)
        if "save_draft" in request.POST:
            if _keep_draft(
                request, kind=Draft.Kind.TOPIC, category=category
            ).is_valid():
                return _draft_saved(request, request.path)
            form.is_valid()
        elif "preview" in request.POST:
            form.is_valid()
        elif form.is_valid():
            refusal = _refused_post(request.user, form)
            if refusal is None:
                data = form.cleaned_data
                topic = services.create_topic(
                    category=category,
                    author=request.user,
                    title=data["title"],
                    body=data["body"],
                    prompts=data.get("prompts", "").splitlines(),
                    opens_at=data.get("opens_at"),
                    closes_at=data.get("closes_at"),
                )
                return redirect(topic)
    page = render(
        request,
        "forum/topic_form.html",
        {"category": category, "form": form, "preview": preview, "draft": draft},
    )
    return ratelimit.refused(page, refusal)


@login_required
def reply(request, pk):
    topic = permissions.get_topic_for(request.user, pk=pk)
    if not permissions.can_reply(request.user, topic):
        if topic.phase == "scheduled":
            permissions.require_second_factor(request.user)
        refusal = _reply_refusal(request.user, topic)
        # Links in emails and old tabs lead here after a topic locks: the topic
        # itself is still worth reading, so a GET lands there rather than on a 403.
        if request.method == "GET" and topic.phase == "locked":
            messages.info(request, refusal)
            return redirect(topic)
        raise PermissionDenied(refusal)
    source = request.POST if request.method == "POST" else request.GET
    draft = queries.draft_for(user=request.user, kind=Draft.Kind.REPLY, topic=topic)
    parent = permissions.get_post_in_topic(
        request.user, topic=topic, pk=source.get("parent")
    )
    quoting = permissions.get_post_in_topic(
        request.user,
        topic=topic,
        pk=source.get("quoting") or source.get("quote"),
    )
    if request.method == "GET" and draft is not None:
        # The form opened again without a post to answer answers the draft's.
        parent = parent or queries.readable_in_topic(
            request.user, topic=topic, pk=draft.parent_id
        )
        quoting = quoting or queries.readable_in_topic(
            request.user, topic=topic, pk=draft.quoting_id
        )
    prompts = queries.dialogue_prompts(topic=topic)
    answered = quoting or parent
    follow_up_to = ""
    if (
        answered is not None
        and answered.author_id not in (None, request.user.pk)
        and permissions.can_moderate(request.user, topic.category)
    ):
        follow_up_to = answered.author_name
    form_options = {
        "prompts": prompts,
        "follow_up_to": follow_up_to,
        "ask_consent": request.user.named_in_exports is None,
    }
    if _file_chosen(request):
        return upload(request)
    preview = ""
    refusal = None
    if request.method == "POST":
        form = ReplyForm(request.POST, **form_options)
        preview = _preview(request, form)
        if "save_draft" in request.POST:
            kept = _keep_draft(
                request,
                kind=Draft.Kind.REPLY,
                topic=topic,
                parent=parent,
                quoting=quoting,
            )
            if kept.is_valid():
                return _draft_saved(request, _reply_url(topic, parent, quoting))
            form.is_valid()
        elif "preview" in request.POST:
            form.is_valid()
        elif form.is_valid():
            refusal = _refused_post(request.user, form)
            if refusal is None:
                post = _save_reply(request, form, topic, parent, quoting, prompts)
                if post is not None:
                    return redirect(post)
    else:
        initial = {"submission_key": uuid.uuid4().hex}
        if parent:
            initial["parent"] = parent.pk
        if quoting:
            initial["quoting"] = quoting.pk
            initial["body"] = quote_markdown(quoting, request.GET.get("selection", ""))
        if draft is not None:
            initial["subject"] = draft.title
            # A quote asked for now follows the draft's text rather than replace it.
            quoted = quoting and quoting.pk != draft.quoting_id
            initial["body"] = "\n\n".join(
                filter(None, [draft.body, initial.get("body") if quoted else ""])
            )
        initial["follow_up"] = request.GET.get("follow_up") == "1"
        form = ReplyForm(initial=initial, **form_options)
    quote, quoted_text = (
        leading_quote(form["body"].value() or "", quoting) if quoting else ("", "")
    )
    page = render(
        request,
        "forum/reply_form.html",
        {
            "topic": topic,
            "category": topic.category,
            "form": form,
            "parent": parent,
            "quoting": quoting,
            "quote": quote,
            "quote_html": render_markdown(quoted_text) if quote else "",
            "preview": preview,
            "draft": draft,
        },
    )
    return ratelimit.refused(page, refusal)


def _reply_url(topic, parent, quoting) -> str:
    query = {"parent": parent and parent.pk, "quote": quoting and quoting.pk}
    query = "&".join(f"{name}={pk}" for name, pk in query.items() if pk)
    url = reverse("forum:reply", args=[topic.pk])
    return f"{url}?{query}" if query else url


def _reply_refusal(user, topic) -> str:
    if not permissions.can_post(user):
        return _("Your account is suspended: you cannot post.")
    if topic.phase == "scheduled":
        return _("This dialogue is not open for replies yet.")
    return _("This topic is locked: it takes no more replies.")


def _wants_follow_up(request, form) -> bool:
    """The follow-up box, when offered; a facilitator who sends it where it is not
    offered (their own post) gets the service's message rather than silence."""
    if "follow_up" in form.fields:
        return bool(form.cleaned_data.get("follow_up"))
    sent = request.POST.get("follow_up", "") not in ("", "0", "false", "off")
    return sent and permissions.can_moderate(request.user, form.topic.category)


def _save_reply(request, form, topic, parent, quoting, prompts):
    """Post the reply; a refusal the writer can fix becomes a form error (the
    text stays), the others a 403."""
    data = form.cleaned_data
    form.topic = topic
    chosen = [p for p in prompts if p.pk in set(data.get("answering") or [])]
    if data.get("named_in_exports") is not None:
        account_services.set_export_consent(
            user=request.user, named=data["named_in_exports"]
        )
    try:
        return services.post_reply(
            topic=topic,
            author=request.user,
            body=data["body"],
            subject=data["subject"],
            parent=parent,
            quoting=quoting,
            submission_key=data["submission_key"],
            prompts=chosen,
            follow_up=_wants_follow_up(request, form),
        )
    except (TopicLocked, ParentNotInTopic) as error:
        raise PermissionDenied(error.message) from error
    except ForumError as error:
        form.add_error(None, error.message)
        return None


def _edit_refusal(user, post) -> str:
    if not permissions.can_post(user):
        return _("Your account is suspended: you cannot edit posts.")
    if post.author_id != user.pk:
        return _("You may only edit your own posts.")
    if post.topic.phase == "locked":
        return _("This topic is locked: its posts can no longer be edited.")
    hours = settings.FORUM_EDIT_WINDOW_HOURS
    return ngettext(
        "Posts can be edited for %(hours)s hour after they are written; this one "
        "can no longer be edited.",
        "Posts can be edited for %(hours)s hours after they are written; this one "
        "can no longer be edited.",
        hours,
    ) % {"hours": hours}


@login_required
def edit_post(request, pk):
    post = permissions.get_post_for(request.user, pk=pk)
    moderator = permissions.can_moderate(request.user, post.topic.category)
    if not permissions.can_edit(request.user, post, moderator=moderator):
        permissions.require_second_factor(request.user)
        raise PermissionDenied(_edit_refusal(request.user, post))
    opening = post.pk == post.topic.first_post_id
    form_class = EditOpeningPostForm if opening else EditPostForm
    initial = {"body": post.body, "subject": post.subject, "title": post.topic.title}
    draft = queries.draft_for(user=request.user, kind=Draft.Kind.EDIT, post=post)
    initial.update(_restored(draft, "title" if opening else "subject"))
    form = form_class(request.POST or None, initial=initial)
    if _file_chosen(request):
        return upload(request)
    preview = ""
    if request.method == "POST":
        preview = _preview(request, form, post)
        if "save_draft" in request.POST:
            if _keep_draft(request, kind=Draft.Kind.EDIT, post=post).is_valid():
                return _draft_saved(request, request.path)
            form.is_valid()
        elif "preview" in request.POST:
            form.is_valid()
        elif form.is_valid():
            try:
                services.edit_post(
                    post=post,
                    editor=request.user,
                    body=form.cleaned_data["body"],
                    subject=form.cleaned_data.get("subject"),
                    title=form.cleaned_data.get("title"),
                    force=moderator,
                )
            except ForumError as error:
                raise PermissionDenied(error.message) from error
            return redirect(post)
    return render(
        request,
        "forum/edit_form.html",
        {
            "post": post,
            "topic": post.topic,
            "category": post.topic.category,
            "form": form,
            "opening": opening,
            "preview": preview,
            "draft": draft,
        },
    )


def _draft_place(request, kind: str, target: str) -> dict:
    """The form a draft sent by the page's script belongs to, checked as the
    form itself checks its writer: 404 if unseen, 403 if not theirs to use."""
    if kind == Draft.Kind.TOPIC:
        category = permissions.get_category_for(request.user, slug=target)
        if not permissions.can_start_topic(request.user, category):
            raise PermissionDenied(_("You cannot start a topic here."))
        return {"category": category}
    if not target.isdigit():
        raise Http404("No such form.")
    if kind == Draft.Kind.REPLY:
        topic = permissions.get_topic_for(request.user, pk=int(target))
        if not permissions.can_reply(request.user, topic):
            raise PermissionDenied(_reply_refusal(request.user, topic))
        answered = {
            name: permissions.get_post_in_topic(
                request.user, topic=topic, pk=request.POST.get(name)
            )
            for name in ("parent", "quoting")
        }
        return {"topic": topic, **answered}
    if kind == Draft.Kind.EDIT:
        post = permissions.get_post_for(request.user, pk=int(target))
        if not permissions.can_edit(request.user, post):
            raise PermissionDenied(_edit_refusal(request.user, post))
        return {"post": post}
    raise Http404("No such form.")


@login_required
@require_POST
def save_draft(request):
    """Keep a form's text as the writer types (the page's script sends it);
    204 when kept, 400 with the reason when it does not fit a post."""
    kind = request.POST.get("kind", "")
    place = _draft_place(request, kind, request.POST.get("target", ""))
    form = _keep_draft(request, kind=kind, **place)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        return JsonResponse({"errors": errors}, status=400)
    return HttpResponse(status=204)


def _file_chosen(request) -> bool:
    """A file chosen in the form, whichever button sent it: it is attached first
    and the form shown again, so the writer sees it in place before posting (or,
    too large to be read, refused with the text kept, never silently left out)."""
    return request.method == "POST" and (
        "attachment" in request.FILES
        or uploadhandlers.was_dropped(request, "attachment")
    )


def _form_url(kind: str, place: dict) -> str:
    """Where the form a draft belongs to is opened again."""
    if kind == Draft.Kind.TOPIC:
        return reverse("forum:new_topic", args=[place["category"].slug])
    if kind == Draft.Kind.REPLY:
        return _reply_url(place["topic"], place.get("parent"), place.get("quoting"))
    return reverse("forum:edit_post", args=[place["post"].pk])


def _attachment_markdown(attachment, description: str) -> str:
    """What the composer writes for an attached file (forum.markdown renders an
    image's as its thumbnail)."""
    url = reverse("forum:attachment", args=[attachment.pk])
    if attachment.is_image:
        return f"![{escape_label(description)}]({url})"
    return f"[{escape_label(attachment.name)}]({url})"


@login_required
@require_POST
def upload(request):
    """Attach a file to the post being written. The page's script sends the
    file alone and inserts the answer's markdown where the writer is; without
    it, the whole form comes here (its Attach button): the text is kept as the
    form's draft with the file's markdown added, and the form opens again.
    Either way a refused file is explained and the text stays."""
    kind = request.POST.get("kind", "")
    place = _draft_place(request, kind, request.POST.get("target", ""))
    body = request.POST.get("body", "")
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        chosen = request.FILES.get("attachment")
        if uploadhandlers.was_dropped(request, "attachment"):
            raise uploadhandlers.too_large()
        if chosen is None:
            raise Refused(_("Choose a file to attach."))
        used = attachment_queries.bytes_used(
            author=request.user, post=place.get("post"), ids=attached_ids(body)
        )
        description = plain_line(request.POST.get("description", "")).strip()
        attachment = attachment_services.store(
            owner=request.user, upload=chosen, used=used, description=description
        )
    except Refused as refusal:
        if wants_json:
            return JsonResponse({"error": refusal.message}, status=400)
        messages.error(request, refusal.message)
        _keep_draft(request, kind=kind, **place)
        return redirect(_form_url(kind, place))
    markdown = _attachment_markdown(attachment, description)
    if wants_json:
        return JsonResponse({"markdown": markdown, "kind": attachment.kind}, status=201)
    text = f"{body.rstrip()}\n\n{markdown}\n" if body.strip() else f"{markdown}\n"
    _keep_draft(request, kind=kind, body=text, **place)
    messages.success(
        request,
        _("File attached. It appears in your message where it says %(markdown)s.")
        % {"markdown": markdown},
    )
    return redirect(_form_url(kind, place))


@require_safe
def attachment(request, pk, thumbnail=False):
    """An attached file, for whoever may read its post; the same 404 for a file
    that does not exist and one this reader may not see."""
    found = permissions.get_attachment_for(request.user, pk=pk)
    if thumbnail and not found.is_image:
        raise Http404("No such file.")
    return attachment_serving.file_response(found, thumbnail=thumbnail)


def post_history(request, pk):
    post = permissions.get_post_for(request.user, pk=pk)
    if not permissions.can_see_history(request.user, post):
        raise Http404("No such post.")
    return render(
        request,
        "forum/post_history.html",
        {
            "post": post,
            "topic": post.topic,
            "category": post.topic.category,
            "versions": queries.post_history(post=post),
        },
    )


def profile(request, username):
    user = get_object_or_404(User, username=username, is_active=True)
    return render(
        request,
        "accounts/profile.html",
        {"profile_user": user, **queries.profile_page(user=user, viewer=request.user)},
    )


ANONYMOUS_SEARCHES_PER_MINUTE = 20


def search(request):
    if not request.user.is_authenticated:
        decision = ratelimit.allow(
            ratelimit.Limit(
                f"search:{ratelimit.client_ip(request)}",
                ANONYMOUS_SEARCHES_PER_MINUTE,
                60,
            )
        )
        if not decision.allowed:
            return ratelimit.refusal_page(
                request,
                decision,
                _("You can search again in %(wait)s, or sign in.")
                % {"wait": ratelimit.wait_in_words(decision.retry_after)},
            )
    categories = queries.search_categories(request.user)
    form = SearchForm(request.GET or None, categories=categories)
    context = {"form": form, "results": None, "page": None}
    if form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        filters = search_module.Filters(
            q=data["q"].strip(),
            category_id=data["category"],
            author=data["author"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
            topics_only=data["topics_only"],
            order=data["order"] or "relevance",
        )
        results, info = queries.search_page(
            filters=filters,
            viewer=request.user,
            page=request.GET.get("page"),
            categories=categories,
        )
        if info is None:
            raise Http404("No such page.")
        context.update(results=results, page=info, query=filters.q, order=filters.order)
        params = request.GET.copy()
        params.pop("page", None)
        context["params"] = params.urlencode()
    return render(request, "forum/search.html", context)
