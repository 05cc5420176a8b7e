import re

import pytest

from accounts.services import update_profile
from forum import services
from forum.markdown import render_markdown
from forum.models import Post
from forum.quoting import MAX_SELECTION, quote_markdown
from tests.factories import UserFactory

REL = 'rel="nofollow ugc noopener"'


def test_quote_is_a_blockquote_with_attribution(topic, user):
    """Quoting gives a blockquote opened by a link naming the author."""
    post = services.post_reply(
        topic=topic, author=user, body="Trust takes time.\n\nAnd listening."
    )

    quoted = quote_markdown(post)

    assert quoted == (
        f"> [Rosa Ilunga wrote:](/p/{post.pk}/)\n"
        ">\n"
        "> Trust takes time.\n"
        ">\n"
        "> And listening.\n\n"
    )
    lines = quoted.splitlines()
    assert all(line.startswith(">") for line in lines if line)


def test_rendered_attribution_links_to_quoted_post(topic, user):
    """Rendered, the attribution is a link to the quoted post."""
    post = services.post_reply(topic=topic, author=user, body="Trust takes time.")

    html = render_markdown(quote_markdown(post) + "I agree.")

    assert html == (
        "<blockquote>\n"
        f'<p><a href="/p/{post.pk}/" {REL}>Rosa Ilunga wrote:</a></p>\n'
        "<p>Trust takes time.</p>\n"
        "</blockquote>\n"
        "<p>I agree.</p>\n"
    )


def test_attribution_uses_the_name_the_post_shows(topic, user):
    """The attribution names the author as their post shows them: by the name
    they use now, which their posts follow."""
    post = services.post_reply(topic=topic, author=user, body="Words.")
    update_profile(user=user, display_name="Rosa I.", signature="")

    quoted = quote_markdown(Post.objects.get(pk=post.pk))

    assert quoted.splitlines()[0] == f"> [Rosa I\\. wrote:](/p/{post.pk}/)"


def test_quoting_a_quote_nests(topic, user, other_user):
    """A quote of a post that itself quotes shows a blockquote in a blockquote."""
    original = services.post_reply(topic=topic, author=user, body="First thought.")
    answer = services.post_reply(
        topic=topic,
        author=other_user,
        body=quote_markdown(original) + "Second thought.",
        quoting=original,
    )

    quoted = quote_markdown(answer)
    html = render_markdown(quoted)

    assert f"> > [Rosa Ilunga wrote:](/p/{original.pk}/)" in quoted
    assert quoted.splitlines()[0] == f"> [Tomás Varga wrote:](/p/{answer.pk}/)"
    assert re.search(
        r"<blockquote>\s*<p><a [^>]*>Tomás Varga wrote:</a></p>\s*"
        r"<blockquote>\s*<p><a [^>]*>Rosa Ilunga wrote:</a></p>\s*"
        r"<p>First thought.</p>\s*</blockquote>\s*"
        r"<p>Second thought.</p>\s*</blockquote>",
        html,
    ), html
    assert f'href="/p/{original.pk}/"' in html
    assert f'href="/p/{answer.pk}/"' in html


def test_selection_replaces_the_body(topic, user):
    """Quoting a selection quotes only the selected words."""
    post = services.post_reply(
        topic=topic, author=user, body="Trust takes time.\n\nAnd listening."
    )

    quoted = quote_markdown(post, selection="  And listening.  ")

    assert quoted == (f"> [Rosa Ilunga wrote:](/p/{post.pk}/)\n>\n> And listening.\n\n")
    assert "Trust" not in quoted


@pytest.mark.parametrize(
    "selection",
    [
        "takes time. And listening",  # as the browser copies the rendered text
        "**takes** time.\n\nAnd [listening]",  # as the source has it
        "Trust\n   takes",  # the same words, spaced otherwise
        "& friends",  # an entity of the source, as the reader saw it
    ],
)
def test_a_selection_the_post_holds_is_kept(topic, user, selection):
    """A selection found in the post's text (source or as shown, whitespace
    aside) is what gets quoted."""
    post = services.post_reply(
        topic=topic,
        author=user,
        body="Trust **takes** time.\n\nAnd [listening](https://example.org/) "
        "&amp; friends.",
    )

    quoted = quote_markdown(post, selection=selection)

    assert quoted.split("\n", 2)[2].startswith(f"> {selection.split()[0]}")
    assert quoted != quote_markdown(post)


@pytest.mark.parametrize(
    "selection",
    [
        "I never said this.",
        "Trust takes no time.",  # words of the post, rearranged
        "<script>alert(1)</script>",
    ],
)
def test_a_selection_the_post_does_not_hold_quotes_the_whole_post(
    topic, user, selection
):
    """Made-up words are never attributed to the author: the post is quoted
    whole instead."""
    post = services.post_reply(
        topic=topic, author=user, body="Trust takes time.\n\nAnd listening."
    )

    quoted = quote_markdown(post, selection=selection)

    assert quoted == quote_markdown(post)
    assert selection not in quoted


def test_blank_selection_quotes_the_whole_body(topic, user):
    """A selection of only whitespace falls back to the whole post."""
    post = services.post_reply(topic=topic, author=user, body="All of it.")

    assert quote_markdown(post, selection=" \n ").endswith("> All of it.\n\n")


def test_long_selection_is_cut(topic, user):
    """A selection is cut to the most a quote may hold."""
    post = services.post_reply(topic=topic, author=user, body="w" * (MAX_SELECTION * 2))

    quoted = quote_markdown(post, selection="w" * (MAX_SELECTION + 500))

    assert quoted.count("w") == MAX_SELECTION + quoted.splitlines()[0].count("w")


@pytest.mark.parametrize(
    "name",
    [
        "Eve](javascript:alert(1))[",
        "[Mallory wrote:](https://evil.example/)",
        "Eve]: https://evil.example/",
        "]]][[[",
        "Ann [she/her]",
    ],
)
def test_brackets_in_name_cannot_break_attribution(topic, name):
    """Square brackets in a display name cannot redirect the attribution link."""
    author = UserFactory(display_name=name)
    post = services.post_reply(topic=topic, author=author, body="Hello.")

    html = render_markdown(quote_markdown(post))

    assert re.findall(r'href="([^"]*)"', html) == [f"/p/{post.pk}/"]
    link_text = re.search(r"<a [^>]*>(.*?)</a>", html).group(1)
    assert link_text.endswith(" wrote:")
    assert "<p>Hello.</p>" in html


def test_autolink_in_name_cannot_break_attribution(topic):
    """A display name shaped like a link cannot replace the attribution link."""
    author = UserFactory(display_name="<https://evil.example/>")
    post = services.post_reply(topic=topic, author=author, body="Hello.")

    html = render_markdown(quote_markdown(post))

    assert re.findall(r'href="([^"]*)"', html) == [f"/p/{post.pk}/"]
