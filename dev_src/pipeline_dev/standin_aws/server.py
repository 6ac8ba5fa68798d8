"""The stand-in's process: go-plugin's handshake with AutoMTLS, then tfplugin6 over gRPC on a Unix socket.

go-plugin (hashicorp/go-plugin, docs/internals.md) starts the plugin with ``TF_PLUGIN_MAGIC_COOKIE`` set and,
with AutoMTLS, its own client certificate in ``PLUGIN_CLIENT_CERT``; the plugin answers with one line on stdout,
``CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT`` (the certificate base64 of its DER, unpadded),
and serves TLS. The client checks the server's certificate against the one in the line for the name
``localhost``. The server cannot in turn require the client's certificate: go-plugin makes it with an ECDSA P-521
key, and grpcio's TLS (BoringSSL) offers no P-521 signature algorithm in its certificate request, so Go's client
sends none and the handshake fails. The socket lives in a directory only this user can open instead. Terraform
ends the plugin through ``plugin.GRPCController/Shutdown``."""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import os
import shutil
import sys
import tempfile
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2_grpc as rpc

from pipeline_dev.standin_aws.protocol import StandInProvider

# Terraform's handshake cookie (internal/plugin6/serve.go): a process started without it is not a plugin run.
MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL = 1
APP_PROTOCOL = 6


def server_certificate() -> tuple[bytes, bytes, bytes]:
    """(key PEM, certificate PEM, certificate DER) of a fresh self-signed certificate for ``localhost``, shaped as
    go-plugin's own (a CA, for server and client authentication)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(hours=12))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        key_pem,
        certificate.public_bytes(serialization.Encoding.PEM),
        certificate.public_bytes(serialization.Encoding.DER),
    )


class _Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def Shutdown(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.stop.set()
        return controller_pb.Empty()


class _Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
    def StreamStdio(self, request: Any, context: grpc.ServicerContext) -> Any:
        return iter(())  # the stand-in writes its own stderr, which go-plugin already relays


def _load(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(Path(path).read_text()) if path and Path(path).exists() else {}
    return loaded


def serve() -> int:
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print(
            "This is a Terraform provider plugin (a stand-in for hashicorp/aws); Terraform starts it.", file=sys.stderr
        )
        return 1
    schema = _load(os.environ["STANDIN_AWS_SCHEMA"])
    deprecations = _load(os.environ.get("STANDIN_AWS_DEPRECATIONS", ""))
    response_file = Path(os.environ["STANDIN_AWS_SCHEMA"]).with_suffix(".tfplugin6.bin")

    stop = threading.Event()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_ProviderServicer_to_server(StandInProvider(schema, deprecations, response_file), server)
    controller_rpc.add_GRPCControllerServicer_to_server(_Controller(stop), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(_Stdio(), server)

    key_pem, cert_pem, cert_der = server_certificate()
    # AutoMTLS: the client's certificate in the environment means it expects TLS and the server's certificate.
    auto_mtls = bool(os.environ.get("PLUGIN_CLIENT_CERT"))
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)]) if auto_mtls else None
    socket_dir = tempfile.mkdtemp(prefix="standin-aws-", dir=os.environ.get("PLUGIN_UNIX_SOCKET_DIR") or None)
    socket_path = os.path.join(socket_dir, "plugin.sock")
    address = f"unix:{socket_path}"
    if credentials is None:
        server.add_insecure_port(address)
    else:
        server.add_secure_port(address, credentials)
    server.start()
    certificate = base64.b64encode(cert_der).decode().rstrip("=") if credentials is not None else ""
    line = f"{CORE_PROTOCOL}|{APP_PROTOCOL}|unix|{socket_path}|grpc|{certificate}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop(grace=0.2)
    shutil.rmtree(socket_dir, ignore_errors=True)
    return 0
