"""A real OpenID provider on loopback: a small Django project with django-oauth-toolkit
(tests/identity/oidc_provider), started as a separate process on a free port, with its own
database in a temporary folder. One client application per partner, redirecting to the live
test server, and a few provider users."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_PASSWORD = "provider-password-123"
#: Provider users: user name → (e-mail address, name).
PROVIDER_USERS = {
    "ana": ("ana@a.example", "Ana Alvarez"),
    "eng": ("eng@a.example", "Emil Engineer"),
    "bo": ("bo@b.example", "Bo Berg"),
    "eve": ("eve@elsewhere.example", "Eve Outsider"),
}
CLIENTS = {"org-partner-a": "secret-of-partner-a", "org-partner-b": "secret-of-partner-b"}


@dataclass(frozen=True)
class OpenIdProvider:
    issuer: str
    password: str = PROVIDER_PASSWORD

    def client_secret(self, provider_id: str) -> str:
        return CLIENTS[provider_id]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory) -> Iterator[OpenIdProvider]:
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    folder = tmp_path_factory.mktemp("oidc-provider")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CASEBRIDGE_"))},
        "DJANGO_SETTINGS_MODULE": "tests.identity.oidc_provider.settings",
        "PYTHONPATH": str(ROOT),
        "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_KEY": _private_key(),
        "OIDC_PROVIDER_ISSUER": issuer,
        "OIDC_PROVIDER_SETUP": json.dumps(
            {
                "users": [
                    {"username": name, "email": email, "name": full, "password": PROVIDER_PASSWORD}
                    for name, (email, full) in PROVIDER_USERS.items()
                ],
                "clients": [
                    {
                        "client_id": client_id,
                        "client_secret": secret,
                        "redirect_uri": (
                            f"{live_server.url}/accounts/oidc/{client_id}/login/callback/"
                        ),
                    }
                    for client_id, secret in CLIENTS.items()
                ],
            }
        ),
    }
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput"], **run)
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "tests/identity/oidc_provider/setup_provider.py")], **run
    )
    log = (folder / "provider.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "django",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
                if answer.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the OpenID provider did not start: " + (folder / "provider.log").read_text()
                )
            time.sleep(0.2)
        yield OpenIdProvider(issuer=issuer)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
