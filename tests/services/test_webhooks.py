"""The SSRF guard of webhook addresses: at registration, and resolved again at each connection."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from app.errors import InvalidInput
from app.services.outbox import DeliveryFailed
from app.services.webhooks import check_url, post, refused_address
from tests.webhook_receiver import running_receiver

REFUSED = {
    "127.0.0.1": "adresse de bouclage",
    "127.1.2.3": "adresse de bouclage",
    "::1": "adresse de bouclage",
    "::ffff:127.0.0.1": "adresse de bouclage",
    "10.0.0.1": "adresse privée",
    "172.16.5.4": "adresse privée",
    "192.168.1.1": "adresse privée",
    "169.254.169.254": "adresse lien-local",
    "::ffff:169.254.169.254": "adresse lien-local",
    "fe80::1": "adresse lien-local",
    "fc00::1": "adresse privée",
    "224.0.0.1": "adresse multicast",
    "ff02::1": "adresse multicast",
    "240.0.0.1": "adresse privée",
    "0.0.0.0": "adresse privée",
    "100.64.0.1": "adresse non publique",
}


@pytest.mark.parametrize(("address", "why"), REFUSED.items())
def test_non_public_addresses_are_refused(address: str, why: str) -> None:
    assert refused_address(address, allow_local=False) == why


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refused_address(address, allow_local=False) is None


def test_the_local_setting_allows_the_loopback_only() -> None:
    assert refused_address("127.0.0.1", allow_local=True) is None
    assert refused_address("::1", allow_local=True) is None
    assert refused_address("10.0.0.1", allow_local=True) == "adresse privée"
    assert refused_address("169.254.169.254", allow_local=True) == "adresse lien-local"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://partenaire.example/hook", "https:// attendue"),
        ("ftp://partenaire.example/hook", "https:// attendue"),
        ("https://user:secret@partenaire.example/hook", "sans identifiant"),
        ("https://localhost/hook", "bouclage"),
        ("https://127.0.0.1/hook", "bouclage"),
        ("https://[::ffff:10.0.0.1]/hook", "privée"),
        ("https://169.254.169.254/latest/meta-data", "lien-local"),
        ("pas une adresse", "https:// attendue"),
    ],
)
def test_a_webhook_address_is_checked_when_registered(url: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as refused:
        check_url(url, allow_local=False)
    assert refused.value.errors[0]["field"] == "url"


def test_an_https_address_of_a_name_is_accepted() -> None:
    assert check_url("https://partenaire.example/guichet?x=1", allow_local=False) == (
        "https://partenaire.example/guichet?x=1"
    )
    assert check_url("http://127.0.0.1:8123/hook", allow_local=True) == "http://127.0.0.1:8123/hook"


def test_the_address_is_resolved_and_checked_again_at_connection_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name registered while public that now resolves to the metadata service (DNS rebinding)."""
    with running_receiver() as receiver:
        real = socket.getaddrinfo

        def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
            if host == "partenaire.example":
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 443))]
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        with pytest.raises(DeliveryFailed, match="lien-local"):
            post("https://partenaire.example/hook", b"{}", {}, allow_local=False)
        # A name of the loopback is refused too when the local setting is off, reached when on.
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda host, *a, **k: rebinding("127.0.0.1" if host == "receveur.example" else host, *a, **k),
        )
        with pytest.raises(DeliveryFailed, match="adresse refusée : adresse de bouclage"):
            post("https://receveur.example/hook", b"{}", {}, allow_local=False)
        local = receiver.url.replace("127.0.0.1", "localhost")
        assert receiver.requests() == []
        assert post(local, b"{}", {}, allow_local=True) == 204
        assert receiver.requests()[0].headers["Host"] == local.removeprefix("http://")


def test_a_name_that_resolves_to_nothing_fails_the_attempt() -> None:
    with pytest.raises(DeliveryFailed, match="introuvable"):
        post("https://nom-qui-n-existe-pas.invalid/hook", b"{}", {}, allow_local=False)
