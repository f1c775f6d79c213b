"""Relais plus the test provider under /o/ (its own login page, authorization, tokens,
userinfo, discovery and keys)."""

from django.contrib.auth import authenticate, login
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import include, path
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_protect
from oauth2_provider.views import AuthorizationView

from relais.urls import handler400, handler404, handler500  # noqa: F401
from relais.urls import urlpatterns as relais_urlpatterns


@csrf_protect
def provider_login(request):
    """The provider's own login page (not Relais'): a plain form."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/o/"
    if request.method == "POST":
        user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return HttpResponseRedirect(next_url)
        return HttpResponse("wrong password", status=403)
    return HttpResponse(
        '<form method="post" action="/o/login/">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        '<input name="username"><input name="password" type="password"><button>OK</button></form>'
    )


urlpatterns = [
    path("o/login/", provider_login),
    path("o/authorize/", AuthorizationView.as_view(login_url="/o/login/"), name="provider_authorize"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    *relais_urlpatterns,
]
