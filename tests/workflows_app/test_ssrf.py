"""Server-side request forgery: a workflow must never reach the machine it runs on, the
internal network or a cloud metadata service, however the address is written.

Checked per encoding (IPv4 in decimal, hex, octal and short forms; IPv6 loopback,
unique-local and link-local; IPv4-mapped and -compatible IPv6; 6to4, Teredo and
NAT64 prefixes; the shared address space 100.64.0.0/10 with the metadata address
100.100.100.200), per redirect hop, for IPv6, and for host names whose DNS answers
mix public and private addresses. No outside DNS exists here, so host names are
answered by a stub at the `socket.getaddrinfo` level; numeric forms go through the
real resolver. `HTTP_ALLOWED_PRIVATE_HOSTS` still lets listed hosts through."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from werkzeug import Request, Response

from tests.workflows_app.support import (
    create_workflow,
    http_step,
    order,
    runs_of,
    steps_of,
    wait_until,
)
from workflows_app import net
from workflows_app.execution.queue import drain
from workflows_app.models import Run, RunStatus, StepStatus
from workflows_app.net import BlockedAddress, resolve_public_address

BLOCKED_HOSTS = {
    # IPv4, in every notation the resolver accepts
    "127.0.0.1": "127.0.0.1", "127.1": "127.0.0.1", "2130706433": "127.0.0.1",
    "0x7f000001": "127.0.0.1", "0177.0.0.1": "127.0.0.1", "0x7f.0.0.1": "127.0.0.1",
    "0": "0.0.0.0", "0.0.0.0": "0.0.0.0",
    "10.0.0.1": "10.0.0.1", "172.16.5.4": "172.16.5.4", "192.168.1.1": "192.168.1.1",
    "169.254.169.254": "169.254.169.254",
    "100.64.0.1": "100.64.0.1", "100.100.100.200": "100.100.100.200",
    "100.127.255.254": "100.127.255.254",
    "198.18.0.1": "198.18.0.1", "192.0.0.8": "192.0.0.8", "192.0.2.1": "192.0.2.1",
    "224.0.0.1": "224.0.0.1", "240.0.0.1": "240.0.0.1", "255.255.255.255": "255.255.255.255",
    # IPv6
    "::1": "::1", "::": "::", "fc00::1": "fc00::1", "fd12:3456::1": "fd12:3456::1",
    "fe80::1": "fe80::1", "fec0::1": "fec0::1", "ff02::1": "ff02::1", "100::1": "100::1",
    "2001:db8::1": "2001:db8::1",
    # IPv4-mapped: judged as the IPv4 address it carries
    "::ffff:127.0.0.1": "127.0.0.1", "::ffff:7f00:1": "127.0.0.1",
    "0:0:0:0:0:ffff:a9fe:a9fe": "169.254.169.254",
    "::ffff:100.100.100.200": "100.100.100.200", "::ffff:10.0.0.1": "10.0.0.1",
    # IPv4-compatible (deprecated), 6to4, Teredo, NAT64
    "::127.0.0.1": "::7f00:1", "::a9fe:a9fe": "::a9fe:a9fe",
    "2002:7f00:1::": "2002:7f00:1::", "2002:a9fe:a9fe::1": "2002:a9fe:a9fe::1",
    "2002:5db8:d822::1": "2002:5db8:d822::1",  # 6to4 even of a public IPv4
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "64:ff9b::7f00:1": "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe": "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a00:1": "64:ff9b:1::a00:1",
}


@pytest.mark.parametrize("host", list(BLOCKED_HOSTS))
def test_every_encoding_of_a_non_public_address_is_refused(host: str) -> None:
    with pytest.raises(BlockedAddress) as caught:
        resolve_public_address(host, 80)
    assert f'"{host}" resolves to {BLOCKED_HOSTS[host]}' in str(caught.value)
    assert 'WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"]' in str(caught.value)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "1.1.1.1", "100.63.255.255",
                                     "100.128.0.1", "2606:4700:4700::1111",
                                     "2a00:1450:4001:82b::200e", "::ffff:93.184.216.34"])
def test_public_addresses_pass(address: str) -> None:
    assert net.is_public(ipaddress.ip_address(address))


def answering(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    """Answer `getaddrinfo` for these names with these addresses (the real resolver
    for everything else: numeric hosts, localhost)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host in answers:
            results = []
            for address in answers[host]:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, int(port or 0), 0, 0) if family == socket.AF_INET6 else (
                    address, int(port or 0))
                results.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
            return results
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("answers", [["93.184.216.34", "10.0.0.5"], ["10.0.0.5", "93.184.216.34"],
                                     ["2606:4700::1", "fd00::5"], ["93.184.216.34", "::1"],
                                     ["93.184.216.34", "::ffff:169.254.169.254"]])
def test_a_name_with_public_and_private_answers_is_refused(monkeypatch, answers) -> None:
    answering(monkeypatch, {"mixed.example": answers})
    with pytest.raises(BlockedAddress) as caught:
        resolve_public_address("mixed.example", 443)
    private = next(a for a in answers if not net.is_public(ipaddress.ip_address(a)))
    shown = str(ipaddress.ip_address(private).ipv4_mapped or private) if ":" in private \
        else private
    assert f'"mixed.example" resolves to {shown} (among its other addresses)' in str(caught.value)


def test_a_name_with_only_public_answers_is_connected_to_its_checked_address(monkeypatch) -> None:
    answering(monkeypatch, {"api.example": ["93.184.216.34", "2606:2800:220:1::1"]})
    target = resolve_public_address("api.example", 443)
    assert (target.host, target.address, target.port) == ("api.example", "93.184.216.34", 443)


# -- through the http.request step -------------------------------------------------------


def run_one(step: dict) -> tuple[Run, Any]:
    workflow = create_workflow("HTTP", [step])
    order("42.00", number="S-1")
    drain(wait_for_delays=True, max_seconds=20)
    [run] = runs_of(workflow)
    return run, steps_of(run)[step["key"]]


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["100.100.100.200", "[::ffff:169.254.169.254]",
                                  "[2002:a9fe:a9fe::1]", "[64:ff9b::a9fe:a9fe]", "[::1]",
                                  "2130706433", "metadata.internal"])
def test_the_step_refuses_without_connecting(monkeypatch, host: str) -> None:
    answering(monkeypatch, {"metadata.internal": ["93.184.216.34", "100.100.100.200"]})
    url = f"http://{host}/latest/meta-data/"
    run, step = run_one(http_step("call", url))
    assert run.status == RunStatus.FAILED
    assert step.status == StepStatus.FAILED
    assert step.error.startswith(f"refused to call {url}: ")
    assert "non-public" in step.error
    assert step.duration_ms is not None and step.duration_ms < 1000


@pytest.mark.django_db
def test_an_allowed_host_name_still_reaches_its_private_address(monkeypatch, receiver,
                                                                 settings) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["erp.internal"]}
    answering(monkeypatch, {"erp.internal": ["127.0.0.1"]})
    url = receiver.url("/erp").replace("127.0.0.1", "erp.internal")
    run, step = run_one(http_step("call", url))
    assert run.status == RunStatus.SUCCEEDED, step.error
    assert receiver.received("/erp")[0].headers["host"].startswith("erp.internal:")


@pytest.mark.django_db
def test_an_allowed_range_covers_mapped_ipv6_of_its_addresses(receiver, settings) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.0/8"]}
    assert resolve_public_address("::ffff:127.0.0.1", 80).address == "127.0.0.1"


# -- redirects: every hop is checked ------------------------------------------------------


def redirect(location: str, status: int = 302):
    def handler(request: Request) -> Response:
        return Response("", status=status, headers={"Location": location})

    return handler


@pytest.mark.django_db
@pytest.mark.parametrize(("location", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", '"169.254.169.254" resolves to 169.254.169.254'),
    ("http://[::ffff:a9fe:a9fe]/latest/", "resolves to 169.254.169.254"),
    ("http://100.100.100.200/latest/", '"100.100.100.200" resolves to 100.100.100.200'),
    ("http://internal.test:8080/admin", '"internal.test" resolves to 10.1.2.3'),
    ("http://[fd00::1]/", '"fd00::1" resolves to fd00::1'),
    ("file:///etc/passwd", 'only http:// and https:// addresses may be called, not "file:"'),
    ("gopher://127.0.0.1:6379/_INFO", 'not "gopher:"'),
])
def test_a_redirect_to_a_refused_address_is_not_followed(monkeypatch, receiver, allow_local_http,
                                                         location: str, reason: str) -> None:
    answering(monkeypatch, {"internal.test": ["10.1.2.3"]})
    receiver.respond("/start", handler=redirect(location))
    run, step = run_one(http_step("call", receiver.url("/start")))
    assert run.status == RunStatus.FAILED
    assert reason in step.error, step.error
    assert receiver.count("/start") == 1


@pytest.mark.django_db
def test_redirects_between_allowed_addresses_are_followed(receiver, allow_local_http) -> None:
    receiver.respond("/old", handler=redirect("/moved", 301))
    receiver.respond("/moved", handler=redirect(receiver.url("/final"), 307))
    receiver.respond("/final", 200, {"ok": True})
    run, step = run_one(http_step("call", receiver.url("/old")))
    assert run.status == RunStatus.SUCCEEDED, step.error
    assert step.outputs["status_code"] == 200 and step.outputs["body"] == {"ok": True}
    [first], [second], [final] = (receiver.received(path) for path in ("/old", "/moved",
                                                                         "/final"))
    assert first.method == "POST" and second.method == "GET"  # 301 after a POST: GET
    assert final.method == "GET" and final.body == b""  # 307 keeps the (now GET) method


@pytest.mark.django_db
def test_a_redirect_loop_fails_the_step(receiver, allow_local_http) -> None:
    receiver.respond("/loop", handler=redirect("/loop"))
    run, step = run_one(http_step("call", receiver.url("/loop")))
    assert run.status == RunStatus.FAILED
    assert "more than 5 redirects" in step.error
    assert receiver.count("/loop") == 6


# -- with a real worker ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_refuses_the_shared_address_metadata_service(workers) -> None:
    workflow = create_workflow("Metadata", [http_step(
        "steal", "http://100.100.100.200/latest/meta-data/iam/security-credentials/")])
    workers.start(1)
    order("10.00", number="SSRF-1")

    def failed() -> Run | None:
        run = Run.objects.filter(workflow=workflow, status=RunStatus.FAILED).first()
        return run

    run = wait_until(failed, timeout=60, message="the run to fail", details=workers.output)
    assert '"100.100.100.200" resolves to 100.100.100.200' in run.error
