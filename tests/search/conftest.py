"""Fixtures shared by the search tests."""

from datetime import datetime

import pytest
from django.utils import timezone

from forum import queries, search


@pytest.fixture
def clock(monkeypatch):
    """clock(day) makes posts written from then on dated that day of March 2024
    at noon; clock(None) gives the real time back."""
    real_now = timezone.now

    def set_day(day: int | None) -> None:
        if day is None:
            monkeypatch.setattr(timezone, "now", real_now)
            return
        moment = timezone.make_aware(datetime(2024, 3, day, 12, 0))  # noqa: DTZ001
        monkeypatch.setattr(timezone, "now", lambda: moment)

    yield set_day
    set_day(None)


@pytest.fixture
def cap(monkeypatch):
    """A cap of 3 matches and pages of 2 results."""
    monkeypatch.setattr(search, "RESULT_CAP", 3)
    monkeypatch.setattr(queries, "SEARCH_PER_PAGE", 2)
    return 3
