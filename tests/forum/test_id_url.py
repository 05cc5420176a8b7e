"""{% id_url %} gives what {% url %} gives."""

import pytest
from django.templatetags.static import static
from django.urls import reverse

from forum.templatetags.forum_tags import cached_static, id_url


@pytest.mark.parametrize(
    "name",
    ["forum:post", "forum:topic", "forum:reply", "forum:edit_post", "moderation:hide"],
)
@pytest.mark.parametrize("pk", [1, 42, 987654321])
def test_same_as_reverse(name, pk):
    assert id_url(name, pk) == reverse(name, args=[pk])


def test_a_non_integer_id_is_reversed_as_usual():
    assert id_url("forum:post", "12") == reverse("forum:post", args=["12"])


def test_without_arguments_same_as_reverse():
    for name in ("forum:index", "forum:search", "notifications:list"):
        assert id_url(name) == reverse(name)


def test_cached_static_same_as_static():
    assert cached_static("css/forum.css") == static("css/forum.css")
