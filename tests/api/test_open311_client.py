"""Open311 end to end: a running HTTP server, read by a GeoReport client library we did not
write (`georeport` 0.3.1, PyPI) in JSON and in XML, and a request filed the way the spec
says (form-encoded POST, with `requests`; georeport has no POST), then read back with georeport.

The server is Django's own live-server thread (the one behind pytest-django's `live_server`),
bound to a real port, but run inside this test's transaction: pytest-django's `live_server`
would flush the database after the test, and with it the demo town the whole suite shares.
"""

import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from georeport import GeoReport

from relais.accounts.models import User
from relais.api import services as api_services
from relais.api.models import Scope
from relais.cases import street_selectors, street_services
from relais.cases.models import Case
from relais.core.models import Channel

pytestmark = pytest.mark.django_db


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server_url(db):
    """http://127.0.0.1:<port>: a real server seeing this test's data (it shares the test's
    database connection, used by one thread at a time: the client waits for each answer)."""
    shared = {conn.alias: conn for conn in connections.all()}
    for conn in shared.values():
        conn.inc_thread_sharing()
    # As Django's test client does: a request's end must not close the shared connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    httpd = make_server("127.0.0.1", 0, WSGIHandler(), server_class=WSGIServer, handler_class=_Quiet)

    def serve():
        for alias, conn in shared.items():
            connections[alias] = conn
        httpd.serve_forever(poll_interval=0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        for conn in shared.values():
            conn.dec_thread_sharing()


@pytest.fixture
def api_key():
    admin = User.objects.get(email="admin@valbrenne.fr")
    _application, raw = api_services.application_create(
        name="Appli Signale-Valbrenne", scopes=[Scope.REQUESTS_WRITE], actor=admin
    )
    return raw


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_georeport_client_reads_services_definitions_and_public_requests(server_url, fmt):
    client = GeoReport(f"{server_url}/open311/v2/", jurisdiction="valbrenne.fr", output_format=fmt)
    services = client.get_service_list()
    services = services if isinstance(services, list) else [services]  # xmltodict: one item is a dict
    voirie = next(s for s in services if s["service_code"] == "signalement-voirie")
    assert voirie["service_name"] == "Signaler un problème sur la voie publique"
    assert str(voirie["metadata"]).lower() == "true"
    definition = client.get_service_definition("signalement-voirie")
    attributes = definition["attributes"]
    attributes = attributes["attribute"] if fmt == "xml" else attributes
    assert [a["code"] for a in attributes][:2] == ["type", "description"]
    listed = client.get_service_requests(service_code="signalement-voirie", status="open,closed")
    listed = listed if isinstance(listed, list) else [listed]
    public = street_selectors.public_reports()
    assert {r["service_request_id"] for r in listed} == {str(r.pk) for r in public}
    one = client.get_service_request(listed[0]["service_request_id"])
    assert one["service_request_id"] == listed[0]["service_request_id"]
    assert one["status"] in ("open", "closed")


def test_a_request_posted_as_the_spec_says_is_read_back_with_georeport(server_url, api_key):
    form = {
        "api_key": api_key,
        "jurisdiction_id": "valbrenne.fr",
        "service_code": "signalement-voirie",
        "lat": "47.2531",
        "long": "0.6858",
        "address_string": "Rue Jules-Ferry, devant le numéro 8",
        "attribute[type]": "Trou dans la chaussée",
        "description": "Un trou profond au milieu de la chaussée.",
        "media_url": "https://photos.example.org/trou.jpg",
        "email": "paul.martin@example.org",
        "first_name": "Paul",
        "last_name": "Martin",
        "phone": "0612345678",
        "device_id": "android-1234",
    }
    response = requests.post(f"{server_url}/open311/v2/requests.json", data=form, timeout=10)
    assert response.status_code == 200, response.text
    token = response.json()[0]["token"]
    # FixMyStreet reads the service_request_id straight after POST: given at once.
    assert response.json()[0]["service_request_id"] == token
    # The same POST again (a retry after a timeout): the same answer, no second request.
    again = requests.post(f"{server_url}/open311/v2/requests.json", data=form, timeout=10)
    assert again.json()[0]["token"] == token
    case = Case.objects.get(channel=Channel.API)
    assert case.answer("type")["value"] == "Trou dans la chaussée"
    assert case.location_text == "Rue Jules-Ferry, devant le numéro 8"

    tokens = requests.get(f"{server_url}/open311/v2/tokens/{token}.json", timeout=10).json()
    assert tokens == [{"service_request_id": token, "token": token, "public_request_id": None}]  # not public yet
    filed = GeoReport(f"{server_url}/open311/v2").get_service_request(token)
    assert filed["status"] == "open" and filed["description"] is None
    report = street_services.report_publish(
        case=case,
        title="Trou dans la chaussée",
        description="Un trou au milieu de la rue.",
        location_text="Rue Jules-Ferry",
        actor=User.objects.get(email="urbanisme@valbrenne.fr"),
    )
    request_id = requests.get(f"{server_url}/open311/v2/tokens/{token}.xml", timeout=10).text
    assert f"<public_request_id>{report.pk}</public_request_id>" in request_id
    for fmt in ("json", "xml"):
        read = GeoReport(f"{server_url}/open311/v2", output_format=fmt).get_service_request(str(report.pk))
        assert read["status"] == "open" and read["address"] == "Rue Jules-Ferry"
        assert read["channel"] == "api" and read["detailed_status"] == "submitted"
        assert "Martin" not in str(read) and "0612345678" not in str(read)


def test_errors_reach_the_client_as_open311_errors(server_url, api_key):
    response = requests.post(
        f"{server_url}/open311/v2/requests.xml",
        data={"api_key": api_key, "service_code": "signalement-voirie"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.text.startswith("<?xml") and "<errors><error><code>400</code>" in response.text
    with pytest.raises(requests.HTTPError):
        GeoReport(f"{server_url}/open311/v2").get_service_definition("inconnu")
