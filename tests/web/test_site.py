from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient


def test_the_docs_page_runs_only_its_own_inline_script_under_the_content_security_policy(client: TestClient) -> None:
    page = client.get("/docs")

    policy = page.headers["content-security-policy"]
    scripts = re.findall(r"<script>(.*?)</script>", page.text, flags=re.S)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_page_assets_are_named_with_their_version_and_kept_a_year(client: TestClient) -> None:
    page = client.get("/").text
    stylesheet = re.search(r'href="(/static/dsfr/dsfr\.min\.css\?v=[^"]+)"', page)

    assert stylesheet
    asset = client.get(stylesheet.group(1))
    assert asset.status_code == 200
    assert "max-age=31536000" in asset.headers["cache-control"]
