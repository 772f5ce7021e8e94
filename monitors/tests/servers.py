"""Real servers for monitor tests: an HTTP server answering 200, 500, hanging or flapping, and
HTTPS servers with certificates from a CA the test makes (trusted through MONITOR_CA_BUNDLE)."""

import datetime as dt
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class _Handler(BaseHTTPRequestHandler):
    server: "TargetServer"

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        owner = self.server.owner
        with owner.lock:
            owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
            hits = owner.hits[self.path]
        if self.path.startswith("/hang-once") and hits > 1:
            self._answer(200, b"all good now")
            return
        if self.path.startswith("/hang"):
            owner.release.wait(60)
            return
        if self.path.startswith("/slow"):
            owner.release.wait(0.3)
            self._answer(200, b"slow but fine")
            return
        if self.path.startswith("/flap"):
            up = owner.flap_up if owner.flap_up is not None else hits % 2 == 1
            self._answer(200 if up else 503, b"flapping")
        elif self.path.startswith("/fail"):
            self._answer(500, b"internal error")
        elif self.path.startswith("/maintenance"):
            self._answer(200, b"down for maintenance")
        else:
            self._answer(200, b"all good here")

    do_POST = do_GET  # noqa: N815

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 - http.server API
        pass


class TargetServer:
    """HTTP(S) on 127.0.0.1: /ok, /fail (500), /hang (never answers), /hang-once (hangs the
    first time only), /slow (0.3 s), /flap (up, down, up, ... or as `flap_up` says),
    /maintenance (200 with an error text)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, int] = {}
        self.flap_up: bool | None = None
        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        scheme = "https" if tls else "http"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class TestCA:
    """A certificate authority of the test's own; `bundle` is its PEM certificate."""

    def __init__(self, directory: Path, name: str = "Monitor Test CA") -> None:
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.bundle = directory / f"{name.replace(' ', '_')}.pem"
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, days_valid: float) -> ssl.SSLContext:
        """A TLS server context with a certificate for 127.0.0.1 expiring in `days_valid`."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("127.0.0.1"))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=30))
            .not_valid_after(now + dt.timedelta(days=days_valid))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        stem = self.directory / f"leaf-{x509.random_serial_number()}"
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context
