from relais.core.theme import theme_csp_hash


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    Nothing is loaded from another host: scripts, styles, fonts and images come from
    this site only; the one inline style (the town's colours) is allowed by its hash.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = (
                "default-src 'self'; "
                "script-src 'self'; "
                f"style-src 'self' {theme_csp_hash()}; "
                "img-src 'self' data:; "
                "font-src 'self'; "
                "connect-src 'self'; "
                "form-action 'self'; "
                "frame-ancestors 'none'; "
                "base-uri 'self'; "
                "object-src 'none'"
            )
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()")
        return response
