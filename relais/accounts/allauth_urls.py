"""allauth's URLs, without its deprecated "social/…" redirects: unnamed, kept by allauth for
links older than Relais (there are none), present only when FranceConnect or ProConnect is on."""

from allauth import urls as allauth_urls

urlpatterns = [p for p in allauth_urls.urlpatterns if not str(p.pattern).startswith("social/")]
