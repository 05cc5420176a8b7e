from django.core.management import call_command

from accounts.models import User
from demo.seed import seed_demo
from forum.models import Category, Topic
from notifications.models import Notification


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


def test_the_demo_forum_has_notifications_but_sends_no_email():
    """The demo's notifications are history: dated like their posts, never
    emailed."""
    assert seed_demo()
    rows = Notification.objects.select_related("post")
    assert rows.exists()
    assert all(n.created_at == n.post.created_at for n in rows)
    assert not rows.filter(email_state__in=["queued", "digest"]).exists()


def test_each_demo_account_starts_with_a_handful_unread():
    """Each demo account has at most four unread notifications, the newest; the
    older ones were read when they came, and the badge agrees with the rows."""
    assert seed_demo()
    rows = Notification.objects.all()
    assert rows.filter(read_at__isnull=False).exists()
    for user in User.objects.filter(notifications__isnull=False).distinct():
        mine = rows.filter(recipient=user)
        unread = mine.filter(read_at__isnull=True)
        assert 1 <= unread.count() <= 4
        assert 1 <= user.unread_notifications <= unread.count()
        oldest_unread = min(n.created_at for n in unread)
        assert all(
            n.read_at == n.created_at <= oldest_unread
            for n in mine.filter(read_at__isnull=False)
        )
