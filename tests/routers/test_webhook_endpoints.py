"""A partner declares its webhook endpoints through the API: checked addresses, kept secrets."""

from __future__ import annotations

from tests.case_desk import Desk, bearer


def test_a_partner_replaces_its_endpoints_and_an_address_kept_keeps_its_secret(desk: Desk) -> None:
    key, _ = desk.partner()
    first = desk.client.put(
        "/v1/partner/webhooks",
        json={"endpoints": [{"url": "https://cci.example/a", "events": ["case.filed"]}]},
        headers=bearer(key),
    )
    second = desk.client.put(
        "/v1/partner/webhooks",
        json={"endpoints": [{"url": "https://cci.example/a"}, {"url": "https://cci.example/b"}]},
        headers=bearer(key),
    )
    assert first.status_code == second.status_code == 200, second.text
    [a] = first.json()["endpoints"]
    by_url = {e["url"]: e for e in second.json()["endpoints"]}
    kept, added = by_url["https://cci.example/a"], by_url["https://cci.example/b"]
    assert kept["secret"] == a["secret"]
    assert kept["secret"].startswith("whsec_")
    assert kept["events"] == ["case.filed", "case.status_changed", "case.withdrawn"]
    assert added["url"] == "https://cci.example/b"
    assert added["secret"] != a["secret"]
    emptied = desk.client.put("/v1/partner/webhooks", json={"endpoints": []}, headers=bearer(key))
    assert emptied.json() == {"endpoints": []}


def test_an_address_that_is_not_public_https_or_an_unknown_event_is_a_422(desk: Desk) -> None:
    key, _ = desk.partner()
    for endpoint, field in (
        ({"url": "http://cci.example/a"}, "endpoints[0].url"),
        ({"url": "https://169.254.169.254/latest"}, "endpoints[0].url"),
        ({"url": "https://127.0.0.1:8000/v1/cases"}, "endpoints[0].url"),
        ({"url": "https://cci.example/a", "events": ["case.deleted"]}, "endpoints[0].events[0]"),
    ):
        response = desk.client.put("/v1/partner/webhooks", json={"endpoints": [endpoint]}, headers=bearer(key))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    assert desk.client.get("/v1/partner/webhooks", headers=bearer(key)).json() == {"endpoints": []}


def test_health_says_whether_local_webhook_targets_are_allowed(desk: Desk) -> None:
    assert desk.client.get("/health").json()["webhooks"] == {"allow_local": False}
