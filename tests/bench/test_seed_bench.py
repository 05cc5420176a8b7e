"""The benchmark generator writes a consistent forum (long topic, big category)."""

import pytest
from django.core.management import call_command

from bench.management.commands import seed_bench
from forum import services
from forum.models import Category, Post, Topic


@pytest.mark.django_db(transaction=True)  # the command analyses (VACUUM) at the end
def test_seed_bench_writes_consistent_counters(capsys):
    """Counts, the long topic and the big category agree with a recount."""
    call_command(
        "seed_bench",
        topics=6,
        posts_per_topic=4,
        users=5,
        long_topic_posts=60,
        big_category_topics=40,
    )
    assert (
        Post.objects.count()
        == 6 * 4 + 60 + 40 * seed_bench.BIG_CATEGORY_POSTS_PER_TOPIC
    )
    long_topic = Topic.objects.get(title=seed_bench.LONG_TOPIC_TITLE)
    assert long_topic.post_count == 60
    assert list(
        long_topic.posts.order_by("position").values_list("position", flat=True)
    ) == list(range(1, 61))
    big = Category.objects.get(slug=seed_bench.BIG_CATEGORY_SLUG)
    assert big.topic_count == 40
    before = list(
        Topic.objects.order_by("pk").values_list("pk", "post_count", "last_post_id")
    ) + list(
        Category.objects.order_by("pk").values_list(
            "pk", "topic_count", "post_count", "last_post_id"
        )
    )
    services.recount_all()
    after = list(
        Topic.objects.order_by("pk").values_list("pk", "post_count", "last_post_id")
    ) + list(
        Category.objects.order_by("pk").values_list(
            "pk", "topic_count", "post_count", "last_post_id"
        )
    )
    assert after == before
    assert "done in" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)  # the command analyses (VACUUM) at the end
def test_seed_bench_pages_answer(client):
    """The generated long topic and big category serve their deep pages."""
    call_command(
        "seed_bench",
        topics=2,
        posts_per_topic=2,
        users=3,
        long_topic_posts=80,
        big_category_topics=70,
    )
    long_topic = Topic.objects.get(title=seed_bench.LONG_TOPIC_TITLE)
    assert client.get(f"{long_topic.get_absolute_url()}?page=4").status_code == 200
    big = Category.objects.get(slug=seed_bench.BIG_CATEGORY_SLUG)
    assert client.get(f"{big.get_absolute_url()}?page=3").status_code == 200
