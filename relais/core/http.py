"""Small request helpers shared by views."""


def post_data(request):
    """The POST data to bind a form to, or None on other methods.

    `request.POST or None` would leave a form unbound (and silently re-shown without
    errors) when a POST carries no field at all.
    """
    return request.POST if request.method == "POST" else None


def files_data(request):
    return request.FILES if request.method == "POST" else None
