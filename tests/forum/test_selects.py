"""forum.selects.Select loads the same instances as the ORM's
select_related().only() would: the same rows in the same order, every field
equal and of the same type, the same fields deferred, related rows (or None)
cached on their foreign keys. And the prompts, compiled once, count answers
as the ORM's annotation does."""

from datetime import timedelta

import pytest
from django.db.models import Subquery
from django.utils import timezone

from forum import queries
from forum.models import Post, Topic
from forum.selects import Select
from moderation import services as moderation
from tests.factories import ReplyFactory, TopicFactory, UserFactory


def orm_rows(model, fields, ids, order):
    relations = sorted({name.split("__")[0] for name in fields if "__" in name})
    return list(
        model.objects.filter(pk__in=Subquery(ids))
        .select_related(*relations)
        .only(*fields)
        .order_by(*order)
    )


def assert_same(ours, theirs, fields):
    assert [o.pk for o in ours] == [t.pk for t in theirs]
    for mine, orm in zip(ours, theirs, strict=True):
        assert mine.get_deferred_fields() == orm.get_deferred_fields()
        assert mine._state.db == orm._state.db and not mine._state.adding
        for name in fields:
            relation, _, field = name.partition("__")
            if field:
                mine_related = getattr(mine, relation)
                orm_related = getattr(orm, relation)
                assert (mine_related is None) == (orm_related is None), name
                if orm_related is None:
                    continue
                mine_value = getattr(mine_related, field)
                orm_value = getattr(orm_related, field)
            else:
                mine_value, orm_value = getattr(mine, name), getattr(orm, name)
            assert mine_value == orm_value, name
            assert type(mine_value) is type(orm_value), name


@pytest.mark.django_db
def test_posts_with_every_kind_of_relation(django_assert_num_queries):
    topic = TopicFactory(replies=3)
    first, *replies = list(Post.objects.filter(topic=topic).order_by("position"))
    answer = ReplyFactory(topic=topic, parent=replies[0], subject="Re: yes")
    asker = UserFactory(display_name="Asker Ö")
    Post.objects.filter(pk=replies[1].pk).update(
        follow_up_for=asker, edited_at=timezone.now() + timedelta(minutes=3)
    )
    Post.objects.filter(pk=replies[2].pk).update(author=None, author_name="Gone")
    moderation.hide_post(
        post=answer, actor=UserFactory(is_staff=True), reason="Off topic"
    )
    for order in (["-pk"], ["path"], ["position"]):
        ids = (
            Post.objects.filter(topic=topic, status=Post.Status.PUBLISHED)
            .order_by(*order)
            .values("pk")[1:10]
        )
        with django_assert_num_queries(1):
            ours = queries.PAGE_POSTS.fetch(ids, order)
            related = [(p.author, p.parent, p.follow_up_for) for p in ours]
        assert len(related) == 4  # read above without a query
        theirs = orm_rows(Post, queries.POST_FIELDS, ids, order)
        assert len(ours) == 4
        assert_same(ours, theirs, queries.POST_FIELDS)
    kinds = {p.pk: p for p in ours}
    assert kinds[replies[2].pk].author is None
    assert kinds[replies[1].pk].follow_up_for.display_name == "Asker Ö"
    assert kinds[answer.pk].parent.pk == replies[0].pk and kinds[answer.pk].is_hidden
    assert kinds[replies[0].pk].parent.pk == first.pk


def test_fields_are_read_in_model_order():
    # Model.from_db takes values in the model's field order, whatever the order
    # the fields were named in.
    select = Select(Post, ["body", "id", "author__username", "author__id"])
    assert [f.name for f in select.own] == ["id", "author", "body"]
    assert [f.name for f in select.joins[0][2]] == ["id", "username"]


@pytest.mark.django_db
def test_a_topic_whole_with_its_category(django_assert_num_queries):
    topic = TopicFactory(replies=1)
    Topic.objects.filter(pk=topic.pk).update(
        closes_at=timezone.now() + timedelta(days=2), summary_html="<p>S</p>"
    )
    ids = Topic.objects.filter(pk=topic.pk).values("pk")
    with django_assert_num_queries(1):
        (ours,) = queries.TOPIC_WITH_CATEGORY.fetch(ids, ["pk"])
        category = ours.category
    orm = Topic.objects.select_related("category").get(pk=topic.pk)
    assert not ours.get_deferred_fields()
    for field in Topic._meta.concrete_fields:
        mine, theirs = getattr(ours, field.attname), getattr(orm, field.attname)
        assert mine == theirs and type(mine) is type(theirs), field.name
    for field in category._meta.concrete_fields:
        mine, theirs = (
            getattr(category, field.attname),
            getattr(orm.category, field.attname),
        )
        assert mine == theirs and type(mine) is type(theirs), field.name
    assert (
        queries.TOPIC_WITH_CATEGORY.fetch(
            Topic.objects.filter(pk=0).values("pk"), ["pk"]
        )
        == []
    )


@pytest.mark.django_db
def test_prompts_with_their_answer_counts_as_the_orm_counts_them():
    Prompt = Topic._meta.get_field("prompts").related_model
    from django.db.models import Count, Q

    topic = TopicFactory()
    other = TopicFactory()
    first = Prompt.objects.create(topic=topic, position=2, text="Second asked")
    second = Prompt.objects.create(topic=topic, position=1, text="First asked")
    Prompt.objects.create(topic=topic, position=3, text="Nobody answered")
    Prompt.objects.create(topic=other, position=1, text="Elsewhere")
    published = [ReplyFactory(topic=topic) for _ in range(3)]
    pending = ReplyFactory(topic=topic)
    Post.objects.filter(pk=pending.pk).update(status=Post.Status.PENDING)
    for post in published:
        post.prompts.add(first)
    published[0].prompts.add(second)
    pending.prompts.add(second)
    ours = queries.dialogue_prompts(topic=topic)
    orm = topic.prompts.annotate(
        answer_count=Count("answers", filter=Q(answers__status=Post.Status.PUBLISHED))
    ).order_by("position", "pk")
    assert [(p.pk, p.topic_id, p.position, p.text, p.answer_count) for p in ours] == [
        (p.pk, p.topic_id, p.position, p.text, p.answer_count) for p in orm
    ]
    assert [p.answer_count for p in ours] == [1, 3, 0]


@pytest.mark.django_db
def test_concerned_readers_as_the_orm_finds_them():
    from django.db.models import Q

    topic = TopicFactory()
    asker, answerer, hidden_asker = UserFactory(), UserFactory(), UserFactory()
    pending, returned = ReplyFactory(topic=topic), ReplyFactory(topic=topic)
    Post.objects.filter(pk=pending.pk).update(status=Post.Status.PENDING)
    Post.objects.filter(pk=returned.pk).update(status=Post.Status.RETURNED)
    open_question, answered, hidden = (ReplyFactory(topic=topic) for _ in range(3))
    Post.objects.filter(pk=open_question.pk).update(follow_up_for=asker)
    Post.objects.filter(pk=answered.pk).update(
        follow_up_for=answerer, follow_up_answered_at=timezone.now()
    )
    Post.objects.filter(pk=hidden.pk).update(follow_up_for=hidden_asker, is_hidden=True)
    ReplyFactory(topic=TopicFactory(), author=pending.author)  # another topic
    orm = Post.objects.filter(
        ~Q(status=Post.Status.PUBLISHED) | queries._OPEN_FOLLOW_UP, topic=topic
    ).values_list("author_id", "status", "follow_up_for_id")
    assert sorted(queries.CONCERNED.rows(topic.pk)) == sorted(orm)
    authors, asked = queries.concerned_users(topic=topic)
    assert authors == {pending.author_id, returned.author_id}
    assert asked == {asker.pk}
    assert queries.CONCERNED.rows(0) == []
