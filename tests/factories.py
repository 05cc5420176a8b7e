"""Test data made through the services, as the site makes it."""

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt

from accounts.models import User
from accounts.services import create_user
from facilitation.services import set_series
from forum import services
from forum.models import Category, Post, Topic
from moderation.services import appoint_facilitator


class UserFactory(factory.Factory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = "correct-horse-battery"
    display_name = ""
    signature = ""
    is_staff = False
    verified = True
    # Admins hold power, so they sign in with a second factor (an authenticator
    # app whose secret is TOTP_SECRET).
    second_factor = factory.LazyAttribute(lambda o: o.is_staff)

    @classmethod
    def _create(cls, model_class, second_factor=False, **kwargs):
        user = create_user(**kwargs)
        if second_factor:
            add_authenticator_app(user)
        return user


class CategoryFactory(factory.Factory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    description = "A place to talk."

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.create_category(**kwargs)


class TopicFactory(factory.Factory):
    """A topic with its opening post, and `replies` replies by other users."""

    class Meta:
        model = Topic

    category = factory.SubFactory(CategoryFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Topic number {n}")
    body = "What do you think?"
    replies = 0

    @classmethod
    def _create(cls, model_class, replies=0, series=None, **kwargs):
        topic = services.create_topic(**kwargs)
        if series is not None:
            set_series(topic=topic, series=series)
        for n in range(replies):
            services.post_reply(
                topic=topic, author=UserFactory(), body=f"Reply {n} with *markdown*."
            )
        topic.refresh_from_db()
        return topic


class DialogueFactory(TopicFactory):
    """A dialogue its facilitator (pass author) opens with a prompting question."""

    title = "Trust in the town hall"
    body = "Welcome to the dialogue."
    prompts = factory.List(["What would make you trust the council again?"])


class ReplyFactory(factory.Factory):
    class Meta:
        model = Post

    topic = factory.SubFactory(TopicFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"A reply, number {n}.")
    subject = ""
    parent = None
    quoting = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.post_reply(**kwargs)


def make_facilitator(category: Category, second_factor=True, **kwargs) -> User:
    """A facilitator of category, by default with an authenticator app (the
    tools refuse one without a second factor)."""
    user = UserFactory(second_factor=second_factor, **kwargs)
    appoint_facilitator(user=user, category=category)
    user.refresh_from_db()  # the service set is_facilitator in the row
    return user


# Base32, as authenticator apps take it; tests compute its codes (tests/totp.py).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def add_authenticator_app(user: User) -> Authenticator:
    """Set up the authenticator app of TOTP_SECRET as user's second factor, as
    allauth's activation stores it."""
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.TOTP,
        data={"secret": encrypt(TOTP_SECRET)},
    )
