"""Exporting a locked dialogue as an HTML page and a Markdown file: what is in
it, who is named, and who may export it."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from markdown_it import MarkdownIt

from accounts.models import User
from accounts.services import delete_account, set_export_consent
from facilitation import services as facilitation
from facilitation.export import (
    HIDDEN_PLACEHOLDER,
    REMOVED_PLACEHOLDER,
    escape_raw_html,
    export_dialogue,
    to_markdown,
)
from forum.models import Category, Post, Topic
from forum.quoting import quote_markdown
from moderation import services as moderation
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import html

NOT_LOCKED = "Only locked dialogues can be exported; lock it first."


def article_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="post-(\d+)"', page)]


@dataclass
class Dialogue:
    topic: Topic
    facilitator: User
    alice: User
    bob: User
    carol: User
    dave: User
    posts: dict[str, Post]

    @property
    def secrets(self) -> list[str]:
        """Names that must not appear anywhere in an export."""
        people = (self.facilitator, self.bob, self.carol, self.dave)
        return [p.display_name for p in people] + [p.username for p in people]


@pytest.fixture
def dialogue(category) -> Dialogue:
    """A locked dialogue with two prompts, a summary and a closing note.

    The facilitator (declined) opens it; Bob (declined) answers the first
    question; Carol (never asked) quotes Bob; Alice (agreed) quotes Carol's quote
    of Bob; Dave's reply is hidden; Bob thanks Alice; the facilitator follows
    Bob up.
    """
    facilitator = make_facilitator(
        category, username="fac_fatou", display_name="Fatou Diallo"
    )
    alice = UserFactory(username="alice_a", display_name="Alice Named")
    bob = UserFactory(username="bob_hidden_name", display_name="Bob Secret")
    carol = UserFactory(username="carol_unasked", display_name="Carol Unasked")
    dave = UserFactory(username="dave_d", display_name="Dave Hidden")
    set_export_consent(user=facilitator, named=False)
    set_export_consent(user=alice, named=True)
    set_export_consent(user=bob, named=False)
    set_export_consent(user=dave, named=False)
    topic = TopicFactory(
        category=category,
        author=facilitator,
        title="Trust in our towns",
        body="Welcome, everyone. Please answer the questions.",
        prompts=["What builds trust?", "What breaks it?"],
    )
    first, second = list(topic.prompts.order_by("position"))
    opening = Post.objects.get(pk=topic.first_post_id)
    bob1 = ReplyFactory(
        topic=topic,
        author=bob,
        subject="Small promises",
        body="Trust grows from **small promises** kept.",
        prompts=[first],
    )
    carol1 = ReplyFactory(
        topic=topic,
        author=carol,
        parent=bob1,
        quoting=bob1,
        body=quote_markdown(bob1) + "I agree with that.",
    )
    alice1 = ReplyFactory(
        topic=topic,
        author=alice,
        parent=carol1,
        quoting=carol1,
        body=quote_markdown(carol1) + "Yes, and repair matters.",
        prompts=[first, second],
    )
    dave1 = ReplyFactory(topic=topic, author=dave, body="Something rude and personal.")
    moderation.hide_post(post=dave1, actor=facilitator, reason="Personal attack")
    bob2 = ReplyFactory(topic=topic, author=bob, parent=alice1, body="Thank you.")
    fac1 = ReplyFactory(
        topic=topic,
        author=facilitator,
        parent=bob1,
        quoting=bob1,
        body=quote_markdown(bob1, "small promises") + "Which promises do you mean?",
        follow_up=True,
    )
    facilitation.set_summary(
        topic=topic,
        editor=facilitator,
        summary="People agree that **kept promises** build trust.",
    )
    moderation.lock_topic(
        topic=topic, actor=facilitator, note="Thank you all for taking part."
    )
    topic.refresh_from_db()
    return Dialogue(
        topic=topic,
        facilitator=facilitator,
        alice=alice,
        bob=bob,
        carol=carol,
        dave=dave,
        posts={
            "opening": opening,
            "bob1": bob1,
            "carol1": carol1,
            "alice1": alice1,
            "dave1": dave1,
            "bob2": bob2,
            "fac1": fac1,
        },
    )


def export_url(topic: Topic, markdown: bool = False) -> str:
    return f"/t/{topic.pk}/export.md" if markdown else f"/t/{topic.pk}/export/"


@pytest.fixture
def fac_client(client, dialogue):
    client.force_login(dialogue.facilitator)
    return client


# What the document holds


def test_export_lists_posts_in_thread_order_with_depth(dialogue):
    """Published posts come in threaded order, each with its depth, subject,
    label and what it answers."""
    export = export_dialogue(topic=dialogue.topic)
    p = dialogue.posts
    order = ["opening", "bob1", "carol1", "alice1", "bob2", "fac1", "dave1"]
    assert [post.pk for post in export.posts] == [p[name].pk for name in order]
    depths = {post.pk: post.depth for post in export.posts}
    assert depths[p["opening"].pk] == 0
    assert depths[p["bob1"].pk] == 1
    assert depths[p["alice1"].pk] == 3
    by_pk = {post.pk: post for post in export.posts}
    assert by_pk[p["opening"].pk].subject == "Trust in our towns"
    assert by_pk[p["bob1"].pk].subject == "Small promises"
    assert by_pk[p["carol1"].pk].reply_to == "Participant 2"
    assert by_pk[p["carol1"].pk].reply_to_anchor == f"post-{p['bob1'].pk}"
    assert [q.number for q in by_pk[p["alice1"].pk].prompts] == [1, 2]
    assert [q.text for q in export.prompts] == ["What builds trust?", "What breaks it?"]
    assert export.summary == "People agree that **kept promises** build trust."
    assert export.closing_note == "Thank you all for taking part."


def test_labels_follow_consent_and_first_appearance(dialogue):
    """Those who agreed keep their name; the others, facilitators too, are
    "Participant N" in order of first appearance, the same on every post."""
    export = export_dialogue(topic=dialogue.topic)
    p = dialogue.posts
    by_pk = {post.pk: post for post in export.posts}
    assert by_pk[p["opening"].pk].author == "Participant 1"
    assert by_pk[p["opening"].pk].role == "Facilitator"
    assert by_pk[p["bob1"].pk].author == "Participant 2"
    assert by_pk[p["bob2"].pk].author == "Participant 2"
    assert by_pk[p["carol1"].pk].author == "Participant 3"
    assert by_pk[p["alice1"].pk].author == "Alice Named"
    assert by_pk[p["alice1"].pk].role == ""
    assert by_pk[p["fac1"].pk].author == "Participant 1"
    assert by_pk[p["fac1"].pk].follow_up_to == "Participant 2"


def test_quote_attributions_use_the_labels(dialogue):
    """Attributions name the quoted author by their label and link inside the
    document, nested quotes included."""
    export = export_dialogue(topic=dialogue.topic)
    p = dialogue.posts
    by_pk = {post.pk: post for post in export.posts}
    bob_link = f"[Participant 2 wrote:](#post-{p['bob1'].pk})"
    carol_link = f"[Participant 3 wrote:](#post-{p['carol1'].pk})"
    assert by_pk[p["carol1"].pk].body.startswith(f"> {bob_link}")
    alice_body = by_pk[p["alice1"].pk].body
    assert alice_body.startswith(f"> {carol_link}")
    assert f"> > {bob_link}" in alice_body
    assert "Bob Secret" not in alice_body and "Carol Unasked" not in alice_body


def test_html_export_is_a_readable_accessible_document(fac_client, dialogue):
    """The HTML export is a standalone page: language, title, headings, one
    article per post, quotes as nested blockquotes, no script."""
    response = fac_client.get(export_url(dialogue.topic))
    page = html(response)
    p = dialogue.posts
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert '<html lang="en">' in page
    assert "<title>Trust in our towns · Dialogue export</title>" in page
    assert page.count("<h1>") == 1
    assert "<script" not in page
    assert "<style>" in page and "@media print" in page
    assert article_ids(page) == [
        p[name].pk
        for name in ["opening", "bob1", "carol1", "alice1", "bob2", "fac1", "dave1"]
    ]
    questions = page.index("What builds trust?")
    assert questions < page.index("What breaks it?") < page.index('id="dialogue"')
    assert "<strong>kept promises</strong>" in page
    assert "Thank you all for taking part." in page
    alice = re.search(rf'<article id="post-{p["alice1"].pk}".*?</article>', page, re.S)
    body = alice.group(0)
    assert re.search(r"<blockquote>.*<blockquote>", body, re.S)
    assert re.search(
        rf'<a href="#post-{p["carol1"].pk}"[^>]*>Participant 3 wrote:', body
    )
    assert re.search(rf'<a href="#post-{p["bob1"].pk}"[^>]*>Participant 2 wrote:', body)
    assert "Answering:" in body and 'href="#prompt-2"' in body
    assert "data-user-content" in body
    assert "<strong>Alice Named</strong>" in page
    assert '<span class="role">Facilitator</span>' in page
    assert "cannot be recognised" in page


def test_markdown_export_downloads_as_a_file(fac_client, dialogue):
    """The Markdown export is a UTF-8 attachment with the same contents."""
    response = fac_client.get(export_url(dialogue.topic, markdown=True))
    text = response.content.decode("utf-8")
    p = dialogue.posts
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="trust-in-our-towns-{dialogue.topic.pk}.md"'
    )
    assert text.startswith("# Trust in our towns\n")
    assert "## Questions in this dialogue\n\n1. What builds trust?\n2. What" in text
    assert "## Summary\n\nPeople agree that **kept promises** build trust." in text
    assert f"### 2. Small promises {{#post-{p['bob1'].pk}}}" in text
    assert f"> > [Participant 2 wrote:](#post-{p['bob1'].pk})" in text
    assert f"> [Participant 3 wrote:](#post-{p['carol1'].pk})" in text
    assert "**Participant 3**, " in text
    assert f"in reply to [Participant 2](#post-{p['bob1'].pk})" in text
    assert "**Participant 1** (Facilitator)" in text
    assert "Answering: 1. What builds trust?; 2. What breaks it?" in text
    assert "## Closing note\n\nThank you all for taking part." in text
    assert "cannot be recognised" in text
    order = [text.index(f"{{#post-{p[n].pk}}}") for n in ("bob1", "carol1", "fac1")]
    assert order == sorted(order)


@pytest.mark.parametrize("markdown", [False, True])
def test_no_unconsented_name_anywhere(fac_client, dialogue, markdown):
    """No display name or username of anyone who did not agree appears in the
    export, in labels, attributions, replies or follow-ups."""
    text = html(fac_client.get(export_url(dialogue.topic, markdown=markdown)))
    for secret in dialogue.secrets:
        assert secret not in text, secret
    assert "Alice Named" in text


@pytest.mark.parametrize("markdown", [False, True])
def test_hidden_posts_are_placeholders(fac_client, dialogue, markdown):
    """A hidden post keeps its place in the thread but not its text or author."""
    text = html(fac_client.get(export_url(dialogue.topic, markdown=markdown)))
    assert "Something rude" not in text
    assert "Personal attack" not in text
    assert "[This post was hidden by a facilitator.]" in text
    export = export_dialogue(topic=dialogue.topic)
    hidden = next(p for p in export.posts if p.pk == dialogue.posts["dave1"].pk)
    assert hidden.placeholder == HIDDEN_PLACEHOLDER
    assert hidden.author == "" and hidden.body == ""


def test_quoting_a_hidden_post_gets_a_label_too(dialogue):
    """A quote of a post hidden later names its author by a label, numbered
    after everyone who speaks in the document."""
    topic = dialogue.topic
    moderation.unlock_topic(topic=topic, actor=dialogue.facilitator)
    dave2 = ReplyFactory(topic=topic, author=dialogue.dave, body="Second thoughts.")
    quote = ReplyFactory(
        topic=topic,
        author=dialogue.alice,
        quoting=dave2,
        body=quote_markdown(dave2) + "Fair point.",
    )
    moderation.hide_post(post=dave2, actor=dialogue.facilitator, reason="Off topic")
    export = export_dialogue(topic=topic)
    body = next(p for p in export.posts if p.pk == quote.pk).body
    assert body.startswith(f"> [Participant 4 wrote:](#post-{dave2.pk})")
    assert "Dave Hidden" not in body


def test_deleted_accounts_are_former_participants(dialogue):
    """A deleted account is a "Former participant", in its posts and in the
    quotes of them that still carry its old name."""
    delete_account(user=dialogue.carol, actor=dialogue.carol, remove_posts=False)
    export = export_dialogue(topic=dialogue.topic)
    p = dialogue.posts
    by_pk = {post.pk: post for post in export.posts}
    assert by_pk[p["carol1"].pk].author == "Former participant"
    assert by_pk[p["alice1"].pk].body.startswith(
        f"> [Former participant wrote:](#post-{p['carol1'].pk})"
    )
    assert by_pk[p["bob1"].pk].author == "Participant 2"


def test_removed_posts_say_so(dialogue):
    """A post erased with its author's account is a placeholder saying so."""
    delete_account(user=dialogue.bob, actor=dialogue.bob, remove_posts=True)
    export = export_dialogue(topic=dialogue.topic)
    bob1 = next(p for p in export.posts if p.pk == dialogue.posts["bob1"].pk)
    assert bob1.placeholder == REMOVED_PLACEHOLDER


def test_links_and_unknown_attributions_are_rewritten(dialogue, category):
    """Links to posts of the dialogue point inside the document; an attribution
    of a post from elsewhere names nobody."""
    topic = dialogue.topic
    moderation.unlock_topic(topic=topic, actor=dialogue.facilitator)
    elsewhere = TopicFactory(category=category)
    bob1 = dialogue.posts["bob1"]
    other = elsewhere.first_post_id
    post = ReplyFactory(
        topic=topic,
        author=dialogue.alice,
        body=(
            f"See [this answer](/p/{bob1.pk}/) and [that one](/p/{other}/).\n\n"
            f"> [Someone Else\\!\\] wrote:](/p/{other}/)\n"
            "> hello"
        ),
    )
    body = next(p for p in export_dialogue(topic=topic).posts if p.pk == post.pk).body
    assert f"[this answer](#post-{bob1.pk})" in body
    assert f"[that one](/p/{other}/)" in body
    assert "> A participant wrote:\n" in body
    assert "Someone Else" not in body


def test_names_written_in_the_text_stay_and_the_export_says_so(dialogue):
    """Free text is not anonymised: a name typed in a post stays as written,
    and the document's closing note tells the reader."""
    topic = dialogue.topic
    moderation.unlock_topic(topic=topic, actor=dialogue.facilitator)
    ReplyFactory(topic=topic, author=dialogue.alice, body="As Bob Secret said…")
    text = to_markdown(export_dialogue(topic=topic))
    assert "As Bob Secret said…" in text
    assert "Names that people wrote in the text of their posts" in text


def test_named_labels_are_escaped_in_attributions(category):
    """A consenting name with markdown punctuation stays text in attributions."""
    named = UserFactory(display_name="Ana [*admin*](https://x.example)")
    set_export_consent(user=named, named=True)
    topic = TopicFactory(category=category, author=named)
    opening = Post.objects.get(pk=topic.first_post_id)
    reply = ReplyFactory(
        topic=topic, quoting=opening, body=quote_markdown(opening) + "Hm."
    )
    export = export_dialogue(topic=topic)
    post = next(p for p in export.posts if p.pk == reply.pk)
    assert 'href="https://x.example"' not in post.body_html
    link = rf'<a href="#post-{opening.pk}"[^>]*>Ana \[\*admin\*\]\(https://x\.example\)'
    assert re.search(link, post.body_html)


def test_bodies_stay_sanitised(fac_client, dialogue):
    """Post bodies are rendered by the site's sanitising renderer."""
    topic = dialogue.topic
    moderation.unlock_topic(topic=topic, actor=dialogue.facilitator)
    ReplyFactory(
        topic=topic,
        author=dialogue.alice,
        body='<script>alert(1)</script> [x](javascript:alert(2)) <img src="y">',
    )
    moderation.lock_topic(topic=topic, actor=dialogue.facilitator)
    page = html(fac_client.get(export_url(topic)))
    assert "<script" not in page
    assert 'href="javascript' not in page
    assert "<img" not in page


def test_not_asked_means_not_named(dialogue):
    """Someone never asked is not named; agreeing later names them."""
    export = export_dialogue(topic=dialogue.topic)
    assert "Carol Unasked" not in to_markdown(export)
    set_export_consent(user=dialogue.carol, named=True)
    again = to_markdown(export_dialogue(topic=dialogue.topic))
    assert "**Carol Unasked**" in again
    assert f"[Carol Unasked wrote:](#post-{dialogue.posts['carol1'].pk})" in again


# Who may export, and when


def test_open_dialogue_redirects_with_a_message(client, category):
    """Exporting an open dialogue sends the facilitator back to it, saying why."""
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category)
    client.force_login(facilitator)
    for markdown in (False, True):
        response = client.get(export_url(topic, markdown=markdown))
        assert response.status_code == 302
        assert response["Location"] == topic.get_absolute_url()
    page = html(client.get(export_url(topic), follow=True))
    assert NOT_LOCKED in page


def test_a_dialogue_past_its_closing_time_exports(client, category):
    """A dialogue past its closing time counts as locked, even before the lock
    is written."""
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category)
    past = timezone.now() - timedelta(hours=1)
    Topic.objects.filter(pk=topic.pk).update(closes_at=past)
    client.force_login(facilitator)
    assert client.get(export_url(topic)).status_code == 200


@pytest.mark.parametrize("markdown", [False, True])
def test_only_facilitators_and_admins_export(client, dialogue, markdown):
    """Participants and facilitators of other categories get a 403; visitors
    are asked to sign in; admins may export."""
    url = export_url(dialogue.topic, markdown=markdown)
    visitor = client.get(url)
    assert visitor.status_code == 302
    assert visitor["Location"].startswith("/accounts/login/?next=")
    client.force_login(dialogue.bob)
    assert client.get(url).status_code == 403
    client.force_login(make_facilitator(CategoryFactory()))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 200


def test_participants_get_403_even_on_open_dialogues(client, topic, user):
    """The lock message is for facilitators: others are refused first."""
    client.force_login(user)
    assert client.get(export_url(topic)).status_code == 403


def test_members_only_dialogues_are_not_found_for_outsiders(client, dialogue):
    """Someone who may not see the category gets a 404, as for no such topic."""
    Category.objects.filter(pk=dialogue.topic.category_id).update(
        visibility=Category.Visibility.PRIVATE
    )
    client.force_login(make_facilitator(CategoryFactory()))
    assert client.get(export_url(dialogue.topic)).status_code == 404
    assert client.get("/t/999999/export/").status_code == 404


def test_topic_tools_link_the_exports_of_locked_dialogues(client, dialogue, category):
    """Facilitator tools offer the exports once the dialogue is locked."""
    client.force_login(dialogue.facilitator)
    page = html(client.get(dialogue.topic.get_absolute_url()))
    assert f'href="/t/{dialogue.topic.pk}/export/"' in page
    assert f'href="/t/{dialogue.topic.pk}/export.md"' in page
    open_topic = TopicFactory(category=category)
    assert "/export/" not in html(client.get(open_topic.get_absolute_url()))


@pytest.mark.parametrize("replies", [2, 30])
def test_export_queries_are_flat(client, category, replies, django_assert_num_queries):
    """The export's queries do not grow with the number of posts."""
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, prompts=["One?"])
    prompt = topic.prompts.get()
    for _ in range(replies):
        ReplyFactory(topic=topic, prompts=[prompt])
    moderation.lock_topic(topic=topic, actor=facilitator)
    client.force_login(facilitator)
    # User, topic, the second factor and the permission check (the session comes
    # from the cache); then prompts, posts, the prompts they answer, the files
    # of the posts and the category's facilitators (cached after).
    with django_assert_num_queries(9):
        assert client.get(export_url(topic)).status_code == 200


def test_markdown_export_carries_no_raw_html(fac_client, dialogue):
    """Raw HTML typed in posts, the summary or the closing note shows as text
    when the Markdown file is opened in a viewer that passes HTML through;
    code keeps it as typed, and bidi overrides are gone."""
    topic = dialogue.topic
    moderation.unlock_topic(topic=topic, actor=dialogue.facilitator)
    ReplyFactory(
        topic=topic,
        author=dialogue.alice,
        body=(
            "<script>alert(1)</script> and <img src=x onerror=alert(2)>\n\n"
            "Pay \u202eredro\u202c and `<b>` in code, <https://ok.example/>\n\n"
            "```\n<script>shown as code</script>\n```"
        ),
    )
    # Escaping the comment would make the indented line below it a paragraph's
    # continuation: every "<" of such a body is escaped, in code too.
    ReplyFactory(
        topic=topic,
        author=dialogue.alice,
        body="<!-- hidden -->\n    <iframe src=https://evil.example></iframe>",
    )
    facilitation.set_summary(
        topic=topic, editor=dialogue.facilitator, summary="<style>*{}</style> done"
    )
    moderation.lock_topic(
        topic=topic, actor=dialogue.facilitator, note="</div><form action=x>Bye"
    )

    text = fac_client.get(export_url(topic, markdown=True)).content.decode()
    shown = MarkdownIt("commonmark", {"html": True}).render(text)

    for tag in ("<script", "<img", "<iframe", "<style", "<form", "</div", "<!--"):
        assert tag not in shown.replace("<code>&lt;script", ""), tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;img" in shown
    assert "<code>&lt;b&gt;</code>" in shown
    assert "<code>&lt;script&gt;shown as code&lt;/script&gt;\n</code>" in shown
    assert '<a href="https://ok.example/">' in shown
    assert "Pay redro and" in text


@pytest.mark.parametrize(
    "body",
    [
        "a `x\n# <script>alert(1)</script>` y",
        "<!-- c -->\n    <script>alert(1)</script>",
        "<div>\n```\n<script>alert(1)</script>\n```\n</div>",
        "> <img src=x onerror=alert(1)>\n- <svg onload=alert(1)>",
        "| a | b |\n|---|---|\n| <b onclick=x> | `<i>` |",
        "<javascript:alert(1)> <?php ?> <!DOCTYPE html>",
    ],
)
def test_escaped_markdown_has_no_html_for_a_viewer(body):
    shown = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = shown.parse(escape_raw_html(body))
    assert not [t for t in tokens if t.type == "html_block"]
    assert not [c for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert 'href="javascript' not in shown.render(escape_raw_html(body))
