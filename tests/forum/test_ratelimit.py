"""The counter behind the site's limits (forum.ratelimit): fixed windows that start
with their first attempt, refusals that count nothing and tell how long to wait."""

from datetime import timedelta

from django.utils import translation

from forum import ratelimit
from forum.models import RateLimit
from forum.ratelimit import Limit, allow

THREE_A_MINUTE = Limit("test:three", 3, 60)


def attempts(limit: Limit, count: int) -> list[bool]:
    return [allow(limit).allowed for _ in range(count)]


def test_allows_up_to_the_limit_then_says_how_long_to_wait(stopped_clock):
    """Three in the window pass; the fourth, 20 seconds in, waits 40 more."""
    assert attempts(THREE_A_MINUTE, 3) == [True, True, True]
    stopped_clock.advance(20)
    assert allow(THREE_A_MINUTE) == ratelimit.Decision(False, 40)


def test_allowed_again_once_the_window_has_passed(stopped_clock):
    """When the Retry-After has passed, the next attempt goes through and opens a
    new window with the full limit."""
    attempts(THREE_A_MINUTE, 3)
    stopped_clock.advance(59.5)
    assert allow(THREE_A_MINUTE) == ratelimit.Decision(False, 1)
    stopped_clock.advance(0.5)
    assert attempts(THREE_A_MINUTE, 4) == [True, True, True, False]
    assert allow(THREE_A_MINUTE).retry_after == 60


def test_refused_attempts_do_not_extend_the_window(stopped_clock):
    """Retrying while refused, every few seconds, neither moves the end of the
    window nor counts in the next one."""
    attempts(THREE_A_MINUTE, 3)
    for waited in range(5, 60, 5):
        stopped_clock.advance(5)
        assert allow(THREE_A_MINUTE).retry_after == 60 - waited
    stopped_clock.advance(5)
    assert attempts(THREE_A_MINUTE, 4) == [True, True, True, False]


def test_keys_are_counted_apart():
    attempts(THREE_A_MINUTE, 3)
    assert allow(Limit("test:other", 3, 60)).allowed
    assert not allow(THREE_A_MINUTE).allowed


def test_a_refusal_by_one_limit_counts_none(stopped_clock):
    """With a per-minute and a per-hour limit, an attempt the hourly limit refuses
    does not use up the minute's allowance, and the wait is the hour's."""
    minute, hour = Limit("test:m", 2, 60), Limit("test:h", 3, 3600)
    assert [allow(minute, hour).allowed for _ in range(2)] == [True, True]
    stopped_clock.advance(60)
    assert allow(minute, hour).allowed
    assert allow(minute, hour) == ratelimit.Decision(False, 3540)
    assert RateLimit.objects.get(key="test:m").hits == 1
    stopped_clock.advance(3540)
    assert allow(minute, hour).allowed


def test_the_wait_is_the_longest_of_the_limits_reached(stopped_clock):
    minute, hour = Limit("test:m", 1, 60), Limit("test:h", 1, 3600)
    allow(minute, hour)
    assert allow(minute, hour).retry_after == 3600


def test_expired_rows_are_deleted_when_a_new_key_is_counted(stopped_clock):
    """Old windows do not pile up: counting a key for the first time clears the
    rows whose window has passed, and keeps the others."""
    allow(Limit("test:old", 5, 60))
    allow(Limit("test:long", 5, 3600))
    stopped_clock.advance(61)
    allow(Limit("test:old", 5, 60))  # its own row is reused, not a new key
    assert RateLimit.objects.filter(key="test:old").exists()
    stopped_clock.advance(61)
    allow(Limit("test:new", 5, 60))
    assert set(RateLimit.objects.values_list("key", flat=True)) == {
        "test:long",
        "test:new",
    }


def test_a_row_left_from_an_old_window_starts_a_new_one(stopped_clock):
    RateLimit.objects.create(
        key="test:three", hits=3, resets_at=stopped_clock.now - timedelta(hours=1)
    )
    assert attempts(THREE_A_MINUTE, 4) == [True, True, True, False]


def test_the_wait_in_words():
    assert ratelimit.wait_in_words(1) == "1 second"
    assert ratelimit.wait_in_words(40) == "40 seconds"
    assert ratelimit.wait_in_words(119) == "119 seconds"
    assert ratelimit.wait_in_words(120) == "2 minutes"
    assert ratelimit.wait_in_words(3541) == "60 minutes"
    with translation.override("fr"):
        assert ratelimit.wait_in_words(40) == "40 secondes"
        assert ratelimit.wait_in_words(1) == "1 seconde"
        assert ratelimit.wait_in_words(600) == "10 minutes"
