from django import template

register = template.Library()


@register.filter
def cut_final_stop(value: str) -> str:
    """A reason without its final full stop, for a sentence that adds its own."""
    return str(value).rstrip().rstrip(".")
