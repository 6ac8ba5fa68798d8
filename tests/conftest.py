from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
CORPUS_DIR = SHARED / "corpus"
BENCH_DIR = SHARED / "bench"


def open_output(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not (CORPUS_DIR / "MANIFEST.csv").is_file():
        pytest.skip(f"test corpus not found at {CORPUS_DIR} (only CI and developers have it)")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def moto_server():
    """moto's real HTTP server on 127.0.0.1 (a free port), for tests about the network path."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
