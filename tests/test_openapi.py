"""The OpenAPI description: made from the route table and the models, valid OpenAPI 3.1,
served with authentication, and the copy in docs/ is current."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate
from tornado import web
from tornado.httpclient import HTTPClientError

from jupyter_containerize import openapi
from jupyter_containerize.routes import ROUTES, ContainerizeHandler

from .conftest import REPO, server_config


@pytest.fixture
def jp_server_config(jp_server_config):
    return server_config()


def test_the_committed_description_is_current():
    committed = json.loads((REPO / "docs" / "openapi.json").read_text())
    assert committed == openapi.document(ROUTES), "docs/openapi.json is stale: run jlpm build:openapi"


def test_the_description_is_valid_openapi_and_covers_every_route():
    document = openapi.document(ROUTES)
    validate(document)
    described = {(path.lstrip("/"), verb) for path, item in document["paths"].items() for verb in item}
    assert described == {(path, verb) for path, handler in ROUTES for verb in openapi.handler_verbs(handler)}
    assert len(described) == 24
    events = document["paths"]["/builds/{job_id}/events"]["get"]
    since = next(p for p in events["parameters"] if p["name"] == "since")
    assert since["schema"]["maximum"] == 2**63 - 1
    assert document["paths"]["/builds"]["post"]["responses"]["413"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    listing = document["components"]["schemas"]["BuildList"]
    assert set(listing["properties"]) == {"builds", "next"}


def test_a_handler_verb_without_an_operation_is_an_error():
    class Extra(ContainerizeHandler):
        @web.authenticated
        def put(self):
            pass

    with pytest.raises(ValueError, match="extra"):
        openapi.document((*ROUTES, ("extra", Extra)))
    with pytest.raises(ValueError, match="without a handler"):
        openapi.document(ROUTES[1:])


async def test_served_with_authentication(jp_fetch, jp_base_url):
    document = json.loads((await jp_fetch("containerize", "openapi.json")).body)
    assert document == openapi.document(ROUTES, server_url=f"{jp_base_url}containerize")
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("containerize", "openapi.json", headers={"Authorization": ""})
    assert info.value.code == 403
