"""Starts the test OpenID Provider (this package) on 127.0.0.1 in a process of its own."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.live import free_port
from tests.shared import REPO_ROOT


def new_rsa_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class OpenIdProvider:
    """`users`: username -> {"password": ..., "claims": {...}}; `clients`: dicts with name,
    client_id, client_secret, redirect_uri. `set_claims` rewrites a user's claims live."""

    def __init__(self, workdir: Path, users: dict, clients: list[dict]) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.base_url}/o"
        self.config_path = workdir / "op-config.json"
        self.config = {
            "secret_key": secrets.token_urlsafe(40),
            "rsa_private_key": new_rsa_key_pem(),
            "database": str(workdir / "op.sqlite3"),
            "users": users,
            "clients": clients,
        }
        self.process: subprocess.Popen | None = None

    def _write(self) -> None:
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.config))
        tmp.replace(self.config_path)  # never a half-written file for the running provider

    def set_claims(self, username: str, **claims) -> None:
        self.config["users"][username]["claims"].update(claims)
        self._write()

    def _manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", *args],
            cwd=REPO_ROOT, env=self.env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
            TEST_OP_CONFIG=str(self.config_path),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> "OpenIdProvider":
        self._write()
        self._manage("migrate", "--noinput")
        self._manage("op_setup")
        log = open(self.workdir / "op.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the OpenID Provider exited:\n{self.log()}") from None
                time.sleep(0.1)
        raise RuntimeError("the OpenID Provider did not start listening")

    def log(self) -> str:
        path = self.workdir / "op.log"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
