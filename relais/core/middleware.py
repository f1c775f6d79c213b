from urllib.parse import urlsplit

from django.conf import settings

from relais.core.theme import theme_csp_hash


def map_tile_origin() -> str:
    """The origin of the map tile server the town configured (RELAIS_MAP_TILE_URL), or ""."""
    url = settings.RELAIS.get("MAP_TILE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def login_provider_origins() -> list[str]:
    """Origins of the identity providers configured (FranceConnect, ProConnect: settings
    OIDC_APPS). Their login buttons are forms posted here that redirect there, and browsers
    apply `form-action` to that redirect too."""
    origins = []
    for app in getattr(settings, "OIDC_APPS", []):
        parts = urlsplit(app.get("settings", {}).get("server_url", ""))
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    Nothing is loaded from another host: scripts, styles, fonts and images come from
    this site only; the one inline style (the town's colours) is allowed by its hash. The
    one exception is the map tile server a town may configure (off by default): images
    from that host only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            form_action = " ".join(["'self'", *login_provider_origins()])
            response["Content-Security-Policy"] = (
                "default-src 'self'; "
                "script-src 'self'; "
                f"style-src 'self' {theme_csp_hash()}; "
                f"img-src 'self' data:{' ' + tiles if (tiles := map_tile_origin()) else ''}; "
                "font-src 'self'; "
                "connect-src 'self'; "
                f"form-action {form_action}; "
                "frame-ancestors 'none'; "
                "base-uri 'self'; "
                "object-src 'none'"
            )
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()")
        return response


NUL = "\x00"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(items) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in items)


def request_has_nul(request) -> bool:
    """A NUL character in the address, the query or a form field. Not in files: their
    contents are the upload checks' business, and Django drops unprintable characters
    from their names."""
    if NUL in request.path_info or _has_nul(request.GET.lists()):
        return True
    return (
        request.method in ("POST", "PUT", "PATCH")
        and request.content_type in FORM_CONTENT_TYPES
        and _has_nul(request.POST.lists())
    )


class RefuseNulMiddleware:
    """A plain "we cannot read this" page (400) for a request carrying a NUL character.

    Nobody types one; PostgreSQL cannot store it in text (a query with it is a server
    error, DataError), and it would reach the database from many places: a path
    segment, a search, a filter written to the journal. Refused once, here, before any
    view. A cookie carrying one is dropped (it is no session of ours), not refused: the
    visitor would be stuck until it expires.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [n for n, value in request.COOKIES.items() if NUL in n or NUL in value]:
            del request.COOKIES[name]
        if request_has_nul(request):
            from relais.core.views import bad_request

            return bad_request(request)
        return self.get_response(request)
