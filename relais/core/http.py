"""Small request helpers shared by views."""


def post_data(request):
    """The POST data to bind a form to, or None on other methods.

    `request.POST or None` would leave a form unbound (and silently re-shown without
    errors) when a POST carries no field at all.
    """
    return request.POST if request.method == "POST" else None


def files_data(request):
    return request.FILES if request.method == "POST" else None


def id_param(value) -> int | None:
    """An id typed into a link or a form, or None when it is not one: ASCII digits only
    ("²" is a digit to Python) and short enough for any database integer."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None
