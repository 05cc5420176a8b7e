"""A fixed-window counter in the Django cache (shared across processes when the
cache is Redis), for limits such as anonymous searches."""

from django.core.cache import cache


def allow(*, key: str, limit: int, window: int) -> bool:
    """Count one hit on key; False once more than limit hits fall in the window."""
    cache_key = f"rate:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return True
    return count <= limit


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")
