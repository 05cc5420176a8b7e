from django.core.management import call_command

from forum.models import Category, Topic
from tests.factories import ReplyFactory


def test_recount_command_repairs_counters(topic):
    """`manage.py recount` rebuilds counters that drifted from the rows."""
    reply = ReplyFactory(topic=topic)
    Topic.objects.filter(pk=topic.pk).update(post_count=99, last_post=None)
    Category.objects.filter(pk=topic.category_id).update(topic_count=7, post_count=0)
    call_command("recount")
    topic.refresh_from_db()
    category = Category.objects.get(pk=topic.category_id)
    assert (topic.post_count, topic.last_post_id) == (2, reply.pk)
    assert (category.topic_count, category.post_count) == (1, 2)
    assert category.last_post_id == reply.pk


def test_seed_demo_is_idempotent(capsys):
    """The demo loads once; a second run changes nothing."""
    call_command("seed_demo")
    counts = (Topic.objects.count(), Category.objects.count())
    call_command("seed_demo")
    assert (Topic.objects.count(), Category.objects.count()) == counts
    assert "already present" in capsys.readouterr().out
    dialogue = Topic.objects.get(is_locked=True)
    assert dialogue.post_count == 22
    posts = dialogue.posts.all()
    assert len({p.author_id for p in posts}) >= 8
    assert max(p.depth for p in posts) == 5
    assert any(p.quoting and p.quoting.quoting for p in posts)
    assert any(p.subject == "" for p in posts if p.parent_id)
