"""The ASGI application (what daphne serves) routes HTTP to Django."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.routing import ProtocolTypeRouter
from channels.testing import HttpCommunicator


@pytest.mark.django_db(transaction=True)
def test_asgi_application_serves_admin_login() -> None:
    from config.asgi import application

    assert isinstance(application, ProtocolTypeRouter)

    async def get() -> dict:
        communicator = HttpCommunicator(
            application, "GET", "/admin/login/", headers=[(b"host", b"testserver")]
        )
        return await communicator.get_response(timeout=10)

    response = async_to_sync(get)()
    assert response["status"] == 200
    assert b'name="username"' in response["body"]
