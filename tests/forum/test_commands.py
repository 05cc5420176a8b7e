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
