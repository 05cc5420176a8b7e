"""Facilitators' private notes and theme tags on posts, and the list of a
dialogue's notes filtered by tag."""

import re

import pytest

from facilitation import services as facilitation
from facilitation.models import Annotation
from forum.exceptions import ForumError
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import count_queries, html


@pytest.fixture
def dialogue(category, facilitator):
    return TopicFactory(category=category, author=facilitator, title="Trust in towns")


@pytest.fixture
def post(dialogue, user):
    return ReplyFactory(topic=dialogue, author=user, body="Trust grows slowly here.")


def note_url(post) -> str:
    return f"/moderation/p/{post.pk}/note/"


def notes_url(topic, tag: str = "") -> str:
    return f"/moderation/t/{topic.pk}/notes/" + (f"?tag={tag}" if tag else "")


def test_facilitator_adds_a_note_with_tags(client, post, facilitator):
    """The note is saved with its tags trimmed and lower-cased, each once."""
    client.force_login(facilitator)
    assert 'name="tags"' in html(client.get(note_url(post)))

    response = client.post(
        note_url(post),
        {
            "note": "Strong image of slowness.",
            "tags": " Quote for Summary, theme:  trust,quote for summary,, ",
        },
        follow=True,
    )

    assert "Note saved." in html(response)
    note = Annotation.objects.get(post=post)
    assert note.note == "Strong image of slowness."
    assert note.tags == "quote for summary, theme: trust"
    assert note.tag_list == ["quote for summary", "theme: trust"]
    assert note.author == facilitator
    assert note.author_name == "Mira Sol"


def test_note_shows_only_to_facilitators_on_the_topic_page(
    client, dialogue, post, facilitator, user, other_user
):
    """Facilitators and admins see notes under the post; the author, other
    participants, visitors and other categories' facilitators do not."""
    facilitation.annotate_post(
        post=post, actor=facilitator, note="Private remark.", tags="theme: trust"
    )

    client.force_login(facilitator)
    page = html(client.get(dialogue.get_absolute_url()))
    assert "Private remark." in page
    assert "theme: trust" in page
    assert f'href="{note_url(post)}"' in page

    client.force_login(UserFactory(is_staff=True))
    assert "Private remark." in html(client.get(dialogue.get_absolute_url()))

    for viewer in (user, other_user, make_facilitator(CategoryFactory()), None):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        page = html(client.get(dialogue.get_absolute_url()))
        assert "Private remark." not in page
        assert "theme: trust" not in page
        assert note_url(post) not in page


def test_notes_list_filters_by_tag(client, dialogue, facilitator, user):
    """The list shows annotated posts with their notes and the tags in use with
    counts; a tag shows only the posts carrying it."""
    first = ReplyFactory(topic=dialogue, author=user, body="Slow trust.")
    second = ReplyFactory(topic=dialogue, author=user, body="Fast distrust.")
    third = ReplyFactory(topic=dialogue, author=user, body="Not annotated.")
    facilitation.annotate_post(
        post=first, actor=facilitator, note="Use it.", tags="quote for summary"
    )
    facilitation.annotate_post(
        post=first, actor=facilitator, note="", tags="theme: trust"
    )
    facilitation.annotate_post(
        post=second, actor=facilitator, note="Contrast.", tags="Theme: Trust"
    )
    client.force_login(facilitator)

    page = html(client.get(notes_url(dialogue)))

    assert f'id="n{first.pk}"' in page
    assert f'id="n{second.pk}"' in page
    assert f'id="n{third.pk}"' not in page
    assert "Use it." in page and "Contrast." in page
    tags = re.findall(r'<span class="tag">([^<]+)</span></a> \((\d+)\)', page)
    assert tags == [("theme: trust", "2"), ("quote for summary", "1")]

    filtered = html(client.get(notes_url(dialogue, "quote for summary")))

    assert f'id="n{first.pk}"' in filtered
    assert f'id="n{second.pk}"' not in filtered
    assert "Showing the posts tagged" in filtered
    assert "Slow trust." in filtered

    by_theme = html(client.get(notes_url(dialogue, "theme%3A%20trust")))
    assert f'id="n{first.pk}"' in by_theme and f'id="n{second.pk}"' in by_theme

    nothing = html(client.get(notes_url(dialogue, "no such tag")))
    assert "No post carries this tag." in nothing


@pytest.mark.parametrize(
    ("tags", "error"),
    [
        (
            ", ".join(f"tag {n}" for n in range(11)),
            "Use at most 10 tags (you gave 11).",
        ),
        ("fine, " + "x" * 41, "A tag has at most 40 characters"),
    ],
)
def test_bad_tags_are_refused_keeping_the_text(client, post, facilitator, tags, error):
    """Too many or too long tags: a form error, the note and tags as typed."""
    client.force_login(facilitator)

    response = client.post(note_url(post), {"note": "Keep this text.", "tags": tags})

    page = html(response)
    assert response.status_code == 200
    assert error in page
    assert "Keep this text.</textarea>" in page
    assert f'value="{tags}"' in page
    assert not Annotation.objects.exists()


def test_too_long_or_empty_notes_are_refused(client, post, facilitator):
    client.force_login(facilitator)

    long_note = client.post(note_url(post), {"note": "x" * 2001, "tags": "a"})
    empty = client.post(note_url(post), {"note": "  ", "tags": " , "})

    assert "at most 2000 characters" in html(long_note)
    assert "Write a note or give at least one tag." in html(empty)
    assert not Annotation.objects.exists()


def test_annotate_post_checks_its_input(post, facilitator):
    """The service refuses what the form refuses."""
    with pytest.raises(ForumError):
        facilitation.annotate_post(
            post=post, actor=facilitator, note="", tags=[f"t{n}" for n in range(11)]
        )
    with pytest.raises(ForumError):
        facilitation.annotate_post(post=post, actor=facilitator, note="", tags="y" * 41)
    with pytest.raises(ForumError):
        facilitation.annotate_post(post=post, actor=facilitator, note="x" * 2001)
    with pytest.raises(ForumError):
        facilitation.annotate_post(post=post, actor=facilitator, note=" ", tags="")
    # Ten tags of forty characters would overflow the stored column.
    with pytest.raises(ForumError, match="together"):
        facilitation.annotate_post(
            post=post,
            actor=facilitator,
            note="",
            tags=[f"{n}" + "z" * 39 for n in range(10)],
        )
    assert not Annotation.objects.exists()

    note = facilitation.annotate_post(
        post=post, actor=facilitator, note="", tags=["A", "a", " b "]
    )
    assert note.tags == "a, b"


def test_notes_are_for_the_categorys_facilitators(client, dialogue, post, user):
    """Visitors sign in; participants and other categories' facilitators are
    refused, and nothing is saved."""
    for address in (note_url(post), notes_url(dialogue)):
        response = client.get(address)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    for viewer in (user, make_facilitator(CategoryFactory())):
        client.force_login(viewer)
        assert client.get(note_url(post)).status_code == 403
        assert client.post(note_url(post), {"note": "Mine"}).status_code == 403
        assert client.get(notes_url(dialogue)).status_code == 403
    assert not Annotation.objects.exists()


def test_notes_list_runs_constant_queries(client, dialogue, facilitator):
    counts = []
    for items in (2, 20):
        for n in range(items):
            post = ReplyFactory(topic=dialogue, author=UserFactory())
            facilitation.annotate_post(
                post=post, actor=facilitator, note=f"Note {n}", tags=f"t{n % 3}"
            )
        client.force_login(facilitator)
        counts.append(count_queries(client, notes_url(dialogue)))
    assert counts[0] == counts[1]
