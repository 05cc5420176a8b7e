"""@mentions in rendered posts."""

from forum import services
from forum.markdown import render_markdown
from forum.mentions import render_with_mentions
from tests.factories import UserFactory


def test_existing_user_links_to_the_profile(user):
    html, names = render_with_mentions(f"Thanks @{user.username}!")
    assert f'<a href="/u/{user.username}/" rel="nofollow ugc noopener">' in html
    assert f">@{user.username}</a>!" in html
    assert names == [user.username]


def test_unknown_user_stays_plain_text():
    html, names = render_with_mentions("Hello @ghost and mail@example.org")
    assert html == "<p>Hello @ghost and mail@example.org</p>\n"
    assert names == []


def test_mention_in_quote_links_but_is_not_listed(user):
    html, names = render_with_mentions(f"> @{user.username} wrote this\n\nOK")
    assert f'href="/u/{user.username}/"' in html
    assert names == []


def test_mentions_in_code_are_untouched(user):
    body = f"`@{user.username}`\n\n```\n@{user.username}\n```"
    html, names = render_with_mentions(body)
    assert "href" not in html
    assert names == []


def test_case_and_trailing_punctuation(user):
    html, names = render_with_mentions(f"Ask @{user.username.upper()}.")
    assert f'href="/u/{user.username}/"' in html
    assert f">@{user.username.upper()}</a>.</p>" in html
    assert names == [user.username]


def test_plain_rendering_has_no_mentions(user):
    """Signatures, summaries and previews render without mention links."""
    assert "href" not in render_markdown(f"@{user.username}")


def test_stored_post_html_links_mentions(topic):
    target = UserFactory(username="linked")
    post = services.post_reply(topic=topic, author=UserFactory(), body="Hi @linked")
    assert 'href="/u/linked/"' in post.body_html
    assert target.notifications.count() == 1


def test_many_names_stay_fast():
    """Thousands of mentions cost one lookup of a bounded number of names."""
    import time

    body = " ".join(f"@name{n}" for n in range(5000))
    started = time.perf_counter()
    html, names = render_with_mentions(body)
    assert time.perf_counter() - started < 2
    assert names == [] and "href" not in html
