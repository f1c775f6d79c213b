"""Relais' routes plus a bare "hello" view: the baseline of the throughput benchmark."""

from django.http import HttpResponse
from django.urls import path

from relais.urls import urlpatterns as relais_urlpatterns


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("bench/hello", hello), *relais_urlpatterns]
