"""The pinned connection over real TLS: the sender connects to the address it checked and
still verifies the receiver's certificate for the URL's name (SNI and Host carry the name)."""

import asyncio
import datetime as dt
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from src.infrastructure.webhooks import WebhookSender

NAME = "receiver.test"


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@asynccontextmanager
async def tls_receiver(cert: Path, key: Path, seen: dict[str, str]) -> AsyncIterator[int]:
    """An HTTPS receiver on 127.0.0.1 answering 204; `seen` gets the SNI and Host it saw."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_name(_socket: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        seen["sni"] = name or ""

    context.sni_callback = remember_name

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        for line in head.split("\r\n")[1:]:
            if line.lower().startswith("host:"):
                seen["host"] = line.split(":", 1)[1].strip()
        writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def to_loopback(host: str, port: int) -> Sequence[str]:
    return ["127.0.0.1"] if host == NAME else []


@pytest.mark.parametrize(("certified", "succeeds"), [(NAME, True), ("someone-else.test", False)])
async def test_tls_is_verified_for_the_name_while_connecting_to_the_checked_address(
    tmp_path: Path, certified: str, succeeds: bool
) -> None:
    cert, key = self_signed(tmp_path, certified)
    seen: dict[str, str] = {}
    async with tls_receiver(cert, key, seen) as port:
        trusted = ssl.create_default_context(cafile=str(cert))
        webhooks = WebhookSender(
            timeout_seconds=5, max_response_bytes=4096, allow_private=True,
            resolver=to_loopback, verify=trusted,
        )  # fmt: skip
        try:
            attempt = await webhooks.send(
                url=f"https://{NAME}:{port}/hook", secret="whsec_" + "A" * 32,
                message_id="d1", body="{}", now=dt.datetime.now(dt.UTC),
            )  # fmt: skip
        finally:
            await webhooks.aclose()
    assert attempt.succeeded is succeeds, attempt.error
    assert seen["sni"] == NAME
    if succeeds:
        assert (attempt.status, seen["host"]) == (204, f"{NAME}:{port}")
    else:
        assert attempt.error is not None
        assert "CERTIFICATE_VERIFY_FAILED" in attempt.error
