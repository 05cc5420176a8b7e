from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import DeleteUserForm
from accounts.models import User
from accounts.views import data_download
from forum import permissions as forum_permissions
from forum import ratelimit
from forum.models import Category, Post
from forum.permissions import can_moderate, facilitated_category_ids

from . import queries, services
from .forms import (
    AuditFilterForm,
    ReasonForm,
    ReportForm,
    SuspendForm,
    UserFilterForm,
    UsernameForm,
)
from .models import Member, Report
from .permissions import can_manage_users, may_act_on


def _moderated_topic(request, pk):
    return forum_permissions.get_topic_to_moderate(request.user, pk=pk)


def _moderated_post(request, pk):
    return forum_permissions.get_post_to_moderate(request.user, pk=pk)


def tell_outcome(request, changed: bool, done: str, already: str) -> None:
    """Say what a toggle did: done if it changed something, already if not."""
    if changed:
        messages.success(request, done)
    else:
        messages.info(request, already)


def _require_facilitator(request):
    forum_permissions.require_second_factor(request.user)
    if not facilitated_category_ids(request.user):
        raise PermissionDenied(_("These pages are for facilitators and admins."))


def _require_admin(request):
    forum_permissions.require_second_factor(request.user)
    if not can_manage_users(request.user):
        raise PermissionDenied(_("Only admins manage users."))


# Topic actions


@login_required
@require_POST
def lock(request, pk):
    topic = _moderated_topic(request, pk)
    note = request.POST.get("note", "")[:10000]
    changed = services.lock_topic(topic=topic, actor=request.user, note=note)
    tell_outcome(
        request, changed, _("Topic locked."), _("This topic was already locked.")
    )
    return redirect(topic)


@login_required
@require_POST
def unlock(request, pk):
    topic = _moderated_topic(request, pk)
    changed = services.unlock_topic(topic=topic, actor=request.user)
    tell_outcome(
        request, changed, _("Topic unlocked."), _("This topic was not locked.")
    )
    return redirect(topic)


@login_required
@require_POST
def pin(request, pk):
    topic = _moderated_topic(request, pk)
    pinned = request.POST.get("pinned") == "1"
    changed = services.pin_topic(topic=topic, actor=request.user, pinned=pinned)
    if pinned:
        tell_outcome(
            request, changed, _("Topic pinned."), _("This topic was already pinned.")
        )
    else:
        tell_outcome(
            request,
            changed,
            _("Topic unpinned."),
            _("This topic was already unpinned."),
        )
    return redirect(topic)


@login_required
@require_POST
def rename(request, pk):
    topic = _moderated_topic(request, pk)
    title = request.POST.get("title", "").strip()
    if not 3 <= len(title) <= 200:
        messages.error(
            request, _("A title needs 3 to 200 characters; nothing changed.")
        )
        return redirect(topic)
    changed = services.rename_topic(topic=topic, actor=request.user, title=title)
    tell_outcome(request, changed, _("Topic renamed."), _("The title is unchanged."))
    return redirect(topic)


@login_required
@require_POST
def move(request, pk):
    topic = _moderated_topic(request, pk)
    target = _move_target(request.user, request.POST.get("category", ""))
    if target is None:
        # One answer whether the id is missing, unseen or not the mover's: it
        # tells nothing about which categories exist.
        messages.error(
            request,
            _("Choose one of the categories you facilitate; the topic was not moved."),
        )
        return redirect(topic)
    losing = queries.participants_losing_access(topic=topic, category=target)
    if losing and "confirm" not in request.POST:
        return render(
            request,
            "moderation/move_confirm.html",
            {"topic": topic, "target": target, "losing": losing},
        )
    changed = services.move_topic(topic=topic, actor=request.user, category=target)
    tell_outcome(
        request,
        changed,
        _("Topic moved to %(name)s.") % {"name": target.name},
        _("It is already there."),
    )
    return redirect(topic)


def _move_target(user, raw_id: str) -> Category | None:
    """The category a topic may move to, if raw_id names one user moderates."""
    try:
        target = Category.objects.get(pk=int(raw_id))
    except (ValueError, Category.DoesNotExist):
        return None
    return target if can_moderate(user, target) else None


# Post actions


@login_required
def hide(request, pk):
    post = _moderated_post(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changed = services.hide_post(
            post=post, actor=request.user, reason=form.cleaned_data["reason"]
        )
        tell_outcome(
            request, changed, _("Post hidden."), _("This post was already hidden.")
        )
        return redirect(post)
    return render(
        request,
        "moderation/reason_form.html",
        {
            "post": post,
            "form": form,
            "title": _("Hide a post"),
            "button": _("Hide post"),
        },
    )


@login_required
@require_POST
def unhide(request, pk):
    post = _moderated_post(request, pk)
    changed = services.unhide_post(post=post, actor=request.user)
    tell_outcome(
        request, changed, _("Post shown again."), _("This post was not hidden.")
    )
    return redirect(post)


@login_required
@require_POST
def approve(request, pk):
    post = _moderated_post(request, pk)
    changed = services.approve_post(post=post, actor=request.user)
    tell_outcome(
        request, changed, _("Post approved."), _("This post is not awaiting approval.")
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = post.topic.get_absolute_url()
    return redirect(target)


@login_required
def return_post(request, pk):
    post = _moderated_post(request, pk)
    if post.status != Post.Status.PENDING:
        messages.info(request, _("This post is not awaiting approval."))
        return redirect(post.topic)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.return_post(
            post=post, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Post returned to its author."))
        return redirect(post.topic)
    return render(
        request,
        "moderation/reason_form.html",
        {
            "post": post,
            "form": form,
            "title": _("Return a post to its author"),
            "button": _("Return post"),
        },
    )


@login_required
def report(request, pk):
    post = forum_permissions.get_post_for(request.user, pk=pk)
    if not forum_permissions.can_report(request.user, post):
        raise PermissionDenied(
            _("Your account is suspended: you cannot report posts.")
            if request.user.is_suspended
            else _("This post cannot be reported.")
        )
    already = Report.objects.filter(post=post, reporter=request.user).exists()
    form = ReportForm(request.POST or None)
    refusal = None
    if request.method == "POST" and not already and form.is_valid():
        decision = ratelimit.allow(
            ratelimit.Limit(
                f"report:{request.user.pk}", settings.FORUM_REPORTS_PER_HOUR, 3600
            )
        )
        if decision.allowed:
            try:
                services.report_post(
                    post=post,
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                    text=form.cleaned_data["text"],
                )
            except services.AlreadyReported:
                already = True
            else:
                messages.success(
                    request, _("Thank you. The facilitators will look at your report.")
                )
                return redirect(post)
        else:
            refusal = decision
            form.add_error(
                None,
                _("You can report again in %(wait)s.")
                % {"wait": ratelimit.wait_in_words(decision.retry_after)},
            )
    page = render(
        request,
        "moderation/report_form.html",
        {"post": post, "form": form, "already": already},
    )
    return ratelimit.refused(page, refusal)


# Facilitators' pages


@login_required
def dashboard(request):
    _require_facilitator(request)
    return render(
        request,
        "moderation/dashboard.html",
        {"categories": queries.dashboard(viewer=request.user)},
    )


@login_required
def report_queue(request):
    _require_facilitator(request)
    reports = queries.report_queue(viewer=request.user)
    queries.add_attachments([report.post for report in reports])
    return render(request, "moderation/reports.html", {"reports": reports})


@login_required
@require_POST
def resolve_report(request, pk):
    item = get_object_or_404(
        Report.objects.select_related("post__topic__category"), pk=pk
    )
    if not forum_permissions.can_see_category(request.user, item.post.topic.category):
        raise Http404("No such report.")
    forum_permissions.require_second_factor(request.user)
    if not can_moderate(request.user, item.post.topic.category):
        raise PermissionDenied(_("Only this category's facilitators may do this."))
    hide_post = request.POST.get("outcome") == "hide"
    changed = services.resolve_report(
        report=item,
        actor=request.user,
        hide=hide_post,
        reason=request.POST.get("reason", "")[:2000],
    )
    tell_outcome(
        request,
        changed,
        _("Post hidden and report closed.") if hide_post else _("Report dismissed."),
        _("This report was already handled."),
    )
    return redirect("moderation:reports")


@login_required
def my_reports(request):
    return render(
        request,
        "moderation/my_reports.html",
        {"reports": queries.my_reports(viewer=request.user)},
    )


@login_required
def approval_queue(request):
    _require_facilitator(request)
    posts = queries.approval_queue(viewer=request.user)
    rephrased = queries.rephrased_queue(viewer=request.user)
    queries.add_attachments([*posts, *rephrased])
    return render(
        request,
        "moderation/approvals.html",
        {"posts": posts, "rephrased": rephrased},
    )


@login_required
def audit_log(request):
    _require_facilitator(request)
    form = AuditFilterForm(request.GET or None)
    # Only the viewer's own categories are offered: names of others stay unseen.
    form.fields["category"].queryset = Category.objects.filter(
        pk__in=facilitated_category_ids(request.user)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    entries = queries.audit_log(
        viewer=request.user,
        action=filters.get("action", ""),
        category=filters.get("category"),
        actor=filters.get("actor", ""),
    )
    return render(request, "moderation/log.html", {"form": form, "entries": entries})


@login_required
def members(request, slug):
    category = forum_permissions.get_category_for(request.user, slug=slug)
    forum_permissions.require_second_factor(request.user)
    if not can_moderate(request.user, category):
        raise PermissionDenied(
            _("Only this category's facilitators manage its members.")
        )
    form = UsernameForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            user = get_object_or_404(User, pk=request.POST.get("remove"))
            changed = services.remove_member(
                user=user, category=category, actor=request.user
            )
            tell_outcome(
                request,
                changed,
                _("%(name)s removed.") % {"name": user.name},
                _("Not a member."),
            )
            return redirect("moderation:members", slug=slug)
        if form.is_valid():
            user = form.cleaned_data["username"]
            changed = services.add_member(
                user=user, category=category, actor=request.user
            )
            tell_outcome(
                request,
                changed,
                _("%(name)s added.") % {"name": user.name},
                _("Already a member."),
            )
            return redirect("moderation:members", slug=slug)
    member_list = Member.objects.filter(category=category).select_related("user")
    return render(
        request,
        "moderation/members.html",
        {"category": category, "form": form, "members": list(member_list)},
    )


# Admins managing users


@login_required
def users(request):
    _require_admin(request)
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    user_list = queries.user_list(q=filters.get("q", ""), role=filters.get("role", ""))
    return render(request, "moderation/users.html", {"form": form, "users": user_list})


@login_required
@require_POST
def bulk_suspend(request):
    _require_admin(request)
    ids = [int(i) for i in request.POST.getlist("user") if i.isdigit()]
    reason = request.POST.get("reason", "").strip()[:2000]
    chosen = queries.bulk_suspension_preview(user_ids=ids, actor=request.user)
    if not chosen or not reason:
        messages.error(request, _("Choose at least one user and give a reason."))
        return redirect("moderation:users")
    if "confirm" not in request.POST:
        # Many accounts and every post of theirs: shown before anything changes.
        return render(
            request,
            "moderation/bulk_suspend_confirm.html",
            {
                "chosen": chosen,
                "reason": reason,
                "total": sum(u.posts_to_hide for u in chosen),
            },
        )
    hidden = services.suspend_and_hide(users=chosen, actor=request.user, reason=reason)
    messages.success(
        request,
        _("%(accounts)s account(s) suspended and %(posts)s post(s) hidden.")
        % {"accounts": len(chosen), "posts": hidden},
    )
    return redirect("moderation:users")


@login_required
def user_detail(request, pk):
    _require_admin(request)
    member = get_object_or_404(User, pk=pk)
    suspend_form = SuspendForm(request.POST if "suspend" in request.POST else None)
    role_form = UsernameForm()
    if request.method == "POST":
        services.refuse_own_account(actor=request.user, user=member)
        if "suspend" in request.POST and suspend_form.is_valid():
            data = suspend_form.cleaned_data
            if data["hide_posts"]:
                services.suspend_and_hide(
                    users=[member],
                    actor=request.user,
                    reason=data["reason"],
                    until=data["until"],
                )
                changed = True
            else:
                changed = services.suspend_user(
                    user=member,
                    actor=request.user,
                    reason=data["reason"],
                    until=data["until"],
                )
            tell_outcome(
                request, changed, _("Account suspended."), _("Already suspended.")
            )
            return redirect("moderation:user", pk=pk)
        if "unsuspend" in request.POST:
            changed = services.unsuspend_user(
                user=member, actor=request.user, unhide="unhide" in request.POST
            )
            tell_outcome(request, changed, _("Suspension lifted."), _("Not suspended."))
            return redirect("moderation:user", pk=pk)
        if "appoint" in request.POST or "remove_role" in request.POST:
            category = get_object_or_404(
                Category,
                pk=request.POST.get("appoint") or request.POST.get("remove_role"),
            )
            if "appoint" in request.POST:
                changed = services.appoint_facilitator(
                    user=member, category=category, actor=request.user
                )
                tell_outcome(
                    request, changed, _("Facilitator appointed."), _("Already one.")
                )
            else:
                changed = services.remove_facilitator(
                    user=member, category=category, actor=request.user
                )
                tell_outcome(
                    request, changed, _("Facilitator removed."), _("Was not one.")
                )
            return redirect("moderation:user", pk=pk)
    roles = queries.user_roles(user=member)
    facilitated = {role.category_id for role in roles}
    return render(
        request,
        "moderation/user_detail.html",
        {
            "member": member,
            "own_account": not may_act_on(request.user, member),
            "roles": roles,
            "suspend_form": suspend_form,
            "hidden_with_suspension": (
                queries.posts_hidden_by_suspension(user=member)
                if member.is_suspended
                else []
            ),
            "role_form": role_form,
            "other_categories": Category.objects.exclude(pk__in=facilitated),
        },
    )


@login_required
def user_data(request, pk):
    _require_admin(request)
    return data_download(get_object_or_404(User, pk=pk))


@login_required
def delete_user(request, pk):
    _require_admin(request)
    member = get_object_or_404(User, pk=pk)
    if not may_act_on(request.user, member):
        raise PermissionDenied(_("Delete your own account from your settings."))
    form = DeleteUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.delete_user_account(
            user=member, actor=request.user, remove_posts=form.remove_posts
        )
        messages.success(
            request, _("The account of %(name)s is deleted.") % {"name": member.name}
        )
        return redirect("moderation:users")
    return render(
        request, "moderation/delete_user.html", {"member": member, "form": form}
    )
