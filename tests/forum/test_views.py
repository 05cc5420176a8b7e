import re

import pytest
from django.test import override_settings
from django.urls import reverse

from forum import queries, services
from forum.models import Post, Topic, TopicRead
from moderation import services as moderation_services
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, html, signed_in


def articles(response) -> list[str]:
    """The ids of the post articles on a page, in page order."""
    return re.findall(r'<article class="post[^"]*" id="p(\d+)"', html(response))


# Index and category pages


def test_index_shows_categories_with_counts_and_last_post(client, topic):
    """The index lists each category with its description, counts and last post."""
    reply = ReplyFactory(topic=topic)
    response = client.get("/")
    page = html(response)
    assert response.status_code == 200
    assert "Dialogues" in page
    assert "A place to talk." in page
    assert f'href="/p/{reply.pk}/"' in page
    assert f"by {reply.author_name}" in page
    row = re.search(r"Dialogues</a>.*?</tr>", page, re.S).group(0)
    assert re.findall(r'class="num"[^>]*>(\d+)<', row) == ["1", "2"]


def test_category_lists_pinned_first_then_by_activity(client, category):
    """Pinned topics lead; the rest follow the latest post."""
    old = TopicFactory(category=category, title="Old topic")
    pinned = TopicFactory(category=category, title="Pinned topic")
    fresh = TopicFactory(category=category, title="Fresh topic")
    ReplyFactory(topic=old)  # old now has the latest activity
    services.set_topic_pinned(topic=pinned, pinned=True)
    page = html(client.get(category.get_absolute_url()))
    order = [page.index(t) for t in ("Pinned topic", "Old topic", "Fresh topic")]
    assert order == sorted(order)
    assert "Pinned" in page
    assert f"Started by {fresh.author_name}" in page


def test_category_marks_locked_topics(client, topic):
    """A locked topic says so in the list."""
    services.set_topic_locked(topic=topic, locked=True)
    assert "Topic locked" in html(client.get(topic.category.get_absolute_url()))


def test_category_shows_new_count_linked_to_first_unread(member_client, user, topic):
    """A signed-in reader sees how many posts are new, linked to the first of them."""
    replies = [ReplyFactory(topic=topic) for _ in range(3)]
    services.mark_read(user=user, topic=topic, read_up_to=None, positions=[1, 2])
    page = html(member_client.get(topic.category.get_absolute_url()))
    assert "2 new" in page
    unread_url = reverse("forum:topic_unread", args=[topic.pk])
    assert unread_url in page
    response = member_client.get(unread_url)
    assert response.status_code == 302
    assert response["Location"] == f"/p/{replies[1].pk}/"


def test_category_has_no_new_counts_for_visitors(client, topic):
    """Visitors who are not signed in see no unread counts."""
    assert " new" not in html(client.get(topic.category.get_absolute_url()))


@override_settings(FORUM_TOPICS_PER_PAGE=2)
def test_category_is_paginated(client, category):
    """Topics are split into pages; a page that does not exist is a 404."""
    for n in range(5):
        TopicFactory(category=category, title=f"Paged topic {n}")
    first = html(client.get(category.get_absolute_url()))
    third = html(client.get(category.get_absolute_url() + "?page=3"))
    assert "Paged topic 4" in first and "Paged topic 0" not in first
    assert "Paged topic 0" in third
    assert 'rel="next"' in first
    assert client.get(category.get_absolute_url() + "?page=4").status_code == 404
    assert client.get(category.get_absolute_url() + "?page=x").status_code == 404


# Topic page


def test_topic_shows_posts_with_author_role_subject_body_signature(client, category):
    """Each post shows author, badge, date, subject, body, signature and permalink."""
    facilitator = make_facilitator(
        category, display_name="Mira Sol", signature="Mira Sol\n\n*Convenor*"
    )
    topic = TopicFactory(category=category, author=facilitator, title="Open questions")
    admin = UserFactory(is_staff=True, display_name="Site Admin")
    with_subject = ReplyFactory(topic=topic, subject="My view", body="I **agree**.")
    without = ReplyFactory(
        topic=topic,
        author=admin,
        body="Listening first matters more than anything else here",
    )
    page = html(client.get(topic.get_absolute_url()))
    assert page.index("Open questions") < page.index("My view")
    assert '<span class="badge badge-facilitator">Facilitator</span>' in page
    assert '<span class="badge badge-admin">Admin</span>' in page
    assert '<span class="badge badge-participant">Participant</span>' in page
    assert f'href="/u/{facilitator.username}/"' in page
    assert "<strong>agree</strong>" in page
    assert "Listening first matters more than anything…" in page  # first words
    assert '<div class="signature" data-user-content><p>Mira Sol</p>' in page
    assert "<em>Convenor</em>" in page
    assert f'href="/p/{with_subject.pk}/"' in page
    assert f'id="p{without.pk}"' in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', page)


def test_reply_and_quote_links_only_for_signed_in_readers(client, user, topic):
    """Visitors get no Reply or Quote controls; signed-in readers do."""
    assert "?parent=" not in html(client.get(topic.get_absolute_url()))
    client.force_login(user)
    page = html(client.get(topic.get_absolute_url()))
    assert f"?parent={topic.first_post_id}" in page
    assert f"quote={topic.first_post_id}" in page


def test_threaded_view_nests_replies_and_caps_depth(client, topic, settings):
    """Replies sit under their parent; past the cap they say "in reply to"."""
    settings.FORUM_MAX_THREAD_DEPTH = 3
    a = ReplyFactory(topic=topic)
    late = ReplyFactory(topic=topic)
    chain = [a]
    for _ in range(4):
        chain.append(ReplyFactory(topic=topic, parent=chain[-1]))
    response = client.get(topic.get_absolute_url())
    ids = [int(i) for i in articles(response)]
    assert ids == [topic.first_post_id, *[p.pk for p in chain], late.pk]
    page = html(response)
    assert f'class="post indent-1" id="p{chain[1].pk}"' in page
    assert f'class="post indent-2" id="p{chain[2].pk}"' in page
    capped = re.search(rf'id="p{chain[3].pk}".*?</header>', page, re.S).group(0)
    assert '<p class="reply-to">In reply to' in capped
    assert f'href="/p/{chain[2].pk}/"' in capped


def test_flat_view_is_chronological_and_remembered(member_client, user, topic):
    """The flat view lists posts by time, each reply naming what it answers."""
    a = ReplyFactory(topic=topic)
    b = ReplyFactory(topic=topic)
    nested = ReplyFactory(topic=topic, parent=a)
    response = member_client.post(
        "/view/", {"view": "flat", "next": topic.get_absolute_url()}
    )
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    user.refresh_from_db()
    assert user.thread_view == "flat"
    flat = member_client.get(topic.get_absolute_url())
    assert [int(i) for i in articles(flat)] == [
        topic.first_post_id,
        a.pk,
        b.pk,
        nested.pk,
    ]
    reply_to = re.search(rf'id="p{nested.pk}".*?</header>', html(flat), re.S).group(0)
    assert '<p class="reply-to">In reply to' in reply_to
    assert 'value="flat" aria-pressed="true"' in html(flat)


def test_view_choice_is_remembered_for_visitors(client, topic):
    """A visitor's choice of view is kept in a cookie."""
    client.post("/view/", {"view": "flat", "next": topic.get_absolute_url()})
    assert 'value="flat" aria-pressed="true"' in html(
        client.get(topic.get_absolute_url())
    )


def test_view_switch_rejects_unknown_views_and_foreign_redirects(client, topic):
    """Only the two views exist, and the switch never redirects off the site."""
    assert client.post("/view/", {"view": "tree"}).status_code == 404
    response = client.post("/view/", {"view": "flat", "next": "https://evil.test/"})
    assert response["Location"] == "/"
    assert client.get("/view/").status_code == 404
    assert client.get("/view/", {"view": "x", "next": "/"}).status_code == 404


@override_settings(FORUM_POSTS_PER_PAGE=5)
def test_permalink_redirects_to_current_page_and_anchor(client, topic):
    """A post's permanent URL finds the page it is on now, in either view."""
    replies = [ReplyFactory(topic=topic) for _ in range(11)]
    last = replies[-1]
    response = client.get(f"/p/{last.pk}/")
    assert response["Location"] == f"/t/{topic.pk}/?page=3#p{last.pk}"
    assert str(last.pk) in articles(client.get(f"/t/{topic.pk}/?page=3"))
    # A nested reply to the first reply moves to page 1 in the threaded view.
    nested = ReplyFactory(topic=topic, parent=replies[0])
    assert client.get(f"/p/{nested.pk}/")["Location"] == f"/t/{topic.pk}/#p{nested.pk}"
    client.post("/view/", {"view": "flat", "next": "/"})
    assert (
        client.get(f"/p/{nested.pk}/")["Location"]
        == f"/t/{topic.pk}/?page=3#p{nested.pk}"
    )


@override_settings(FORUM_POSTS_PER_PAGE=3)
def test_reading_a_page_marks_its_posts_read(member_client, user, topic):
    """New posts are marked until read; reading page 1 leaves page 2 new."""
    for _ in range(4):
        ReplyFactory(topic=topic)
    first = html(member_client.get(topic.get_absolute_url()))
    assert first.count('class="tag tag-new"') == 3
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == 3
    again = html(member_client.get(topic.get_absolute_url()))
    assert 'class="tag tag-new"' not in again
    second = html(member_client.get(topic.get_absolute_url() + "?page=2"))
    assert second.count('class="tag tag-new"') == 2
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == 5


# Writing


def test_start_topic(member_client, user, category):
    """A member starts a topic and lands on it."""
    response = member_client.post(
        f"/c/{category.slug}/new/",
        {"title": "Listening circles", "body": "How do we *begin*?", "post": "1"},
    )
    topic = Topic.objects.get(title="Listening circles")
    assert response["Location"] == topic.get_absolute_url()
    assert topic.first_post.body_html == "<p>How do we <em>begin</em>?</p>\n"
    assert topic.author == user


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "ab", "body": "text"}, "at least 3 characters"),
        ({"title": "x" * 201, "body": "text"}, "at most 200 characters"),
        ({"title": "Fine title", "body": "   "}, "Write a message"),
        ({"title": "Fine title", "body": "y" * 50_001}, "at most 50000 characters"),
    ],
)
def test_start_topic_errors_keep_the_text(member_client, category, data, message):
    """Bad titles and bodies come back as form errors with the text intact."""
    response = member_client.post(f"/c/{category.slug}/new/", {**data, "post": "1"})
    assert response.status_code == 200
    page = html(response)
    assert message in page.replace(",", "")
    assert data["title"] in page
    assert data["body"][:200] in page
    assert not Topic.objects.filter(title=data["title"]).exists()


def test_preview_renders_without_posting(member_client, topic):
    """Preview shows the rendered text and keeps it in the form; nothing is posted."""
    response = member_client.post(
        f"/t/{topic.pk}/reply/", {"body": "A **bold** idea", "preview": "1"}
    )
    page = html(response)
    assert '<div class="post-body" data-user-content><p>A <strong>bold</strong>' in page
    assert "A **bold** idea</textarea>" in page
    assert topic.posts.count() == 1


def test_reply_with_parent_and_subject(member_client, user, topic):
    """A reply made with Reply on a post is stored under that post."""
    parent = ReplyFactory(topic=topic)
    response = member_client.post(
        f"/t/{topic.pk}/reply/",
        {"body": "Good point.", "subject": "Agreed", "parent": parent.pk, "post": "1"},
    )
    post = Post.objects.get(body="Good point.")
    assert response["Location"] == f"/p/{post.pk}/"
    assert (post.parent, post.subject, post.author) == (parent, "Agreed", user)


def test_reply_errors_keep_the_text(member_client, topic):
    """An oversized subject comes back as an error, with subject and body kept."""
    response = member_client.post(
        f"/t/{topic.pk}/reply/", {"body": "My words", "subject": "s" * 201, "post": "1"}
    )
    page = html(response)
    assert "at most 200 characters" in page
    assert "My words</textarea>" in page
    assert "s" * 201 in page
    assert topic.posts.count() == 1


def test_quote_prefills_attributed_blockquote(member_client, topic):
    """Quote opens the form with the post as a blockquote attributed to its author."""
    quoted = ReplyFactory(topic=topic, body="Trust grows slowly.\n\nVery slowly.")
    page = html(
        member_client.get(f"/t/{topic.pk}/reply/?parent={quoted.pk}&quote={quoted.pk}")
    )
    name = quoted.author_name
    assert (
        f"&gt; [{name} wrote:](/p/{quoted.pk}/)\n&gt;\n&gt; Trust grows slowly." in page
    )
    assert f'name="quoting" value="{quoted.pk}"' in page
    assert f'name="parent" value="{quoted.pk}"' in page


def test_quote_of_a_selection(member_client, topic):
    """A selection sent by the browser is quoted instead of the whole post."""
    quoted = ReplyFactory(topic=topic, body="First part. Second part.")
    page = html(
        member_client.get(
            f"/t/{topic.pk}/reply/?quote={quoted.pk}&selection=Second+part."
        )
    )
    assert "&gt; Second part." in page
    assert "First part." not in page.split("<textarea")[1]


def test_a_made_up_selection_is_not_put_in_the_authors_mouth(member_client, topic):
    """Words the post does not hold, sent as its selection, are not quoted as
    its author's: the whole post is quoted instead."""
    quoted = ReplyFactory(topic=topic, body="First part. Second part.")
    page = html(
        member_client.get(
            f"/t/{topic.pk}/reply/?quote={quoted.pk}&selection=I+hate+everyone."
        )
    )
    form = page.split("<textarea")[1]
    assert "I hate everyone" not in form
    assert "&gt; First part. Second part." in form


def test_a_hidden_post_cannot_be_quoted_by_a_participant(client, topic, user):
    """Quoting needs the right to read the post: a hidden one is not there."""
    quoted = ReplyFactory(topic=topic, body="Words a facilitator hid.")
    facilitator = make_facilitator(topic.category)
    moderation_services.hide_post(post=quoted, actor=facilitator, reason="Rude.")
    client.force_login(user)
    response = client.get(
        f"/t/{topic.pk}/reply/?quote={quoted.pk}&selection=Words+a+facilitator+hid."
    )
    assert response.status_code == 404
    assert "Words a facilitator hid" not in html(response)


def test_quoted_reply_renders_attribution_link(member_client, topic):
    """Posting a quote renders the attribution as a link to the quoted post."""
    quoted = ReplyFactory(topic=topic, body="Original words")
    form = html(member_client.get(f"/t/{topic.pk}/reply/?quote={quoted.pk}"))
    body = re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", form, re.S).group(1)
    body = body.replace("&gt;", ">") + "And my answer."
    member_client.post(
        f"/t/{topic.pk}/reply/", {"body": body, "quoting": quoted.pk, "post": "1"}
    )
    post = Post.objects.get(quoting=quoted)
    assert f'<a href="/p/{quoted.pk}/" rel="nofollow ugc noopener">' in post.body_html
    assert "<blockquote>" in post.body_html


def test_edit_own_post_shows_edited_mark(member_client, user, topic):
    """Editing one's own post re-renders it and shows when it was edited."""
    post = ReplyFactory(topic=topic, author=user, body="First draft")
    response = member_client.post(
        f"/p/{post.pk}/edit/", {"body": "Second *draft*", "subject": "", "save": "1"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body_html == "<p>Second <em>draft</em></p>\n"
    assert post.edited_at is not None
    assert "(edited <time" in html(member_client.get(topic.get_absolute_url()))


def test_edit_opening_post_can_rename_topic(client, topic):
    """The author of a topic edits its title with the opening post."""
    client.force_login(topic.author)
    client.post(
        f"/p/{topic.first_post_id}/edit/",
        {"title": "Trust in small towns", "body": "Edited question", "save": "1"},
    )
    topic.refresh_from_db()
    assert topic.title == "Trust in small towns"


def test_edit_link_only_on_own_posts(member_client, user, topic):
    """Readers get an Edit link on their own posts only."""
    mine = ReplyFactory(topic=topic, author=user)
    page = html(member_client.get(topic.get_absolute_url()))
    assert f"/p/{mine.pk}/edit/" in page
    assert f"/p/{topic.first_post_id}/edit/" not in page


# Locked topics


def test_locked_topic_hides_controls_and_refuses_writes(member_client, user, topic):
    """A locked topic shows no reply, quote or edit controls; the server says 403."""
    mine = ReplyFactory(topic=topic, author=user)
    services.set_topic_locked(topic=topic, locked=True)
    page = html(member_client.get(topic.get_absolute_url()))
    assert "Topic locked" in page
    assert "?parent=" not in page
    assert "/edit/" not in page
    assert 'action="/t/' not in page
    for response in (
        member_client.post(f"/t/{topic.pk}/reply/", {"body": "Late", "post": "1"}),
        member_client.get(f"/p/{mine.pk}/edit/"),
        member_client.post(f"/p/{mine.pk}/edit/", {"body": "Changed", "save": "1"}),
    ):
        assert response.status_code == 403
        assert "locked" in html(response)
        assert "<main" in html(response)
    assert topic.posts.count() == 2
    mine.refresh_from_db()
    assert mine.body != "Changed"


def test_reply_link_into_a_locked_topic_leads_to_the_topic(member_client, topic):
    """Opening the reply form of a locked topic (a link from an email, an old
    tab) lands on the topic with the reason, not on a 403."""
    services.set_topic_locked(topic=topic, locked=True)
    response = member_client.get(f"/t/{topic.pk}/reply/", follow=True)
    assert response.redirect_chain[-1][0] == topic.get_absolute_url()
    assert "it takes no more replies" in html(response)


# Bad input


@pytest.mark.parametrize(
    "url",
    ["/c/nope/", "/t/999999/", "/p/999999/", "/p/999999/edit/", "/u/nobody/", "/zzz/"],
)
def test_missing_things_are_styled_404s(member_client, url):
    """Missing categories, topics, posts and users answer a styled 404 page."""
    response = member_client.get(url)
    assert response.status_code == 404
    assert "Page not found" in html(response)
    assert "Dialogue Forum" in html(response)


def test_reply_while_signed_out_goes_to_login_and_back(client, topic):
    """Signed-out replies lead to the login page, which returns to the form."""
    url = f"/t/{topic.pk}/reply/?parent={topic.first_post_id}"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "parent%3D" in response["Location"]
    user = UserFactory()
    login = client.post(
        response["Location"],
        {"login": user.username, "password": "correct-horse-battery"},
    )
    assert login["Location"] == url
    assert client.get(url).status_code == 200


def test_parent_from_another_topic_is_refused(member_client, topic):
    """A reply may not hang under, or quote, a post of another topic."""
    elsewhere = TopicFactory()
    for field in ("parent", "quoting"):
        response = member_client.post(
            f"/t/{topic.pk}/reply/",
            {"body": "Sneaky", field: elsewhere.first_post_id, "post": "1"},
        )
        assert response.status_code == 403
    assert not Post.objects.filter(body="Sneaky").exists()
    assert member_client.get(f"/t/{topic.pk}/reply/?parent=abc").status_code == 404


def test_editing_someone_elses_post_is_refused(member_client, topic):
    """Members may not edit other people's posts."""
    response = member_client.post(
        f"/p/{topic.first_post_id}/edit/", {"body": "Hijack", "save": "1"}
    )
    assert response.status_code == 403
    topic.first_post.refresh_from_db()
    assert topic.first_post.body != "Hijack"


def test_facilitator_may_edit_posts_in_their_category(client, topic):
    """Facilitators edit any post in the categories they facilitate."""
    facilitator = make_facilitator(topic.category)
    client.force_login(facilitator)
    response = client.post(
        f"/p/{topic.first_post_id}/edit/",
        {"title": topic.title, "body": "Tidied", "save": "1"},
    )
    assert response.status_code == 302
    other_category_post = TopicFactory().first_post
    response = client.get(f"/p/{other_category_post.pk}/edit/")
    assert response.status_code == 403


def test_double_submission_makes_one_post(member_client, topic):
    """The same form sent twice (double click, resubmission) makes one post."""
    data = {"body": "Only once", "submission_key": "k" * 32, "post": "1"}
    first = member_client.post(f"/t/{topic.pk}/reply/", data)
    second = member_client.post(f"/t/{topic.pk}/reply/", data)
    assert first["Location"] == second["Location"]
    assert Post.objects.filter(body="Only once").count() == 1
    without_key = {"body": "Only once", "post": "1"}
    member_client.post(f"/t/{topic.pk}/reply/", without_key)
    assert Post.objects.filter(body="Only once").count() == 1


def test_oversized_request_is_a_413(member_client, topic, settings):
    """A request body past the upload limit answers a clear 413 page."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = member_client.post(f"/t/{topic.pk}/reply/", {"body": "z" * 5000})
    assert response.status_code == 413
    assert "too large" in html(response)


def test_post_without_csrf_token_is_refused(user, topic):
    """POSTs without a CSRF token get the styled 403 page."""
    client = signed_in(user, enforce_csrf_checks=True)
    response = client.post(f"/t/{topic.pk}/reply/", {"body": "x", "post": "1"})
    assert response.status_code == 403
    assert "form has expired" in html(response)


def test_server_error_page_is_styled(client, monkeypatch):
    """An unexpected error shows the styled 500 page, not a traceback."""

    def boom():
        raise RuntimeError("database on fire")

    monkeypatch.setattr(queries, "index_page", boom)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in html(response)
    assert "database on fire" not in html(response)


def test_new_category_without_posts(client):
    """A category with no posts yet shows so on the index."""
    CategoryFactory(name="Empty room")
    assert "No posts yet" in html(client.get("/"))


def test_mark_all_read_buttons(member_client, user, category, topic):
    """The index and each category offer "mark read" to a signed-in reader; the
    button empties the topic list's "new" counts; a GET changes nothing."""
    ReplyFactory(topic=topic)
    page = html(member_client.get(category.get_absolute_url()))
    assert "2 new" in page
    assert f'action="/c/{category.slug}/read/"' in page
    assert 'action="/read/"' in html(member_client.get("/"))
    assert member_client.get(f"/c/{category.slug}/read/").status_code == 405

    response = member_client.post(f"/c/{category.slug}/read/", follow=True)
    assert "Marked 1 topic read." in html(response)
    assert "0 new" in html(response)
    member_client.post("/read/")
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == 2


def test_mark_all_read_of_a_hidden_category_is_404(member_client):
    """A category the reader may not see cannot be marked read: 404."""
    private = configure(CategoryFactory(), visibility="private")
    assert member_client.post(f"/c/{private.slug}/read/").status_code == 404
