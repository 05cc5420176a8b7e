"""Images in posts: an attached image shows as its thumbnail (sized, lazy), any
other image stays a link, and no <img> the renderer did not write survives."""

import pytest

from forum.markdown import attached_ids, render_post, sanitise

pytestmark = pytest.mark.no_database


def render(text, sizes=None):
    return render_post(text, mention_lookup=lambda names: {}, image_sizes=sizes)[0]


def test_an_attached_image_shows_as_its_lazy_sized_thumbnail():
    html = render("![A stall at the market](/a/12/)", {12: (480, 360)})
    assert html == (
        '<p><a href="/a/12/" rel="nofollow ugc noopener"><img src="/a/12/thumb/" '
        'alt="A stall at the market" width="480" height="360" loading="lazy" '
        'decoding="async"></a></p>\n'
    )


def test_an_image_the_post_may_not_show_stays_a_link():
    assert "<img" not in render("![Someone else's](/a/12/)", {})
    assert "<img" not in render(
        "![Remote](https://tracker.example/p.gif)", {12: (1, 1)}
    )
    # Written by hand, the thumbnail's own address is not an attached image.
    assert "<img" not in render("![Thumb](/a/12/thumb/)", {12: (1, 1)})


def test_a_description_cannot_break_out_of_the_alt_text():
    html = render('![x" onerror="alert(1)](/a/12/)', {12: (10, 10)})
    assert ' onerror="' not in html
    assert 'alt="x&quot; onerror=&quot;alert(1)"' in html


def test_an_image_without_a_description_is_not_shown_as_one():
    assert "<img" not in render("![](/a/12/)", {12: (10, 10)})


def test_the_sanitiser_keeps_only_thumbnails_of_attachments():
    # (Posts cannot hold raw HTML; this is the last line of defence.)
    assert sanitise('<img src="https://tracker.example/p.gif">') == "<img>"
    assert sanitise('<img src="/a/1/">') == "<img>"
    kept = sanitise('<img src="/a/1/thumb/" alt="a" onerror="x()">')
    assert kept == '<img src="/a/1/thumb/" alt="a">'


def test_the_attachments_a_text_refers_to():
    text = (
        "![a](/a/3/) [plan.pdf](/a/4/) ![again](/a/3/) [site](/a/x/) ![t](/a/5/thumb/)"
    )
    assert attached_ids(text) == [3, 4]
