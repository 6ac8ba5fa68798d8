"""The Lambda artifacts: reproducible, for the right platform, and complete on their own."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from pipeline_dev import samples
from pipeline_dev.lambda_runtime import host_architecture, host_python_version, unpack

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import build_lambda
from lambda_platform import ELF_MACHINES, marker_applies, requirements_for

pytestmark = pytest.mark.slow
PYTHON312 = Path(os.path.expanduser("~/.pyenv/versions/3.12.1/bin/python3.12"))


def cached_build(tmp_path: Path, arch: str, python: str, name: str = "out") -> Path:
    """Build from the wheel cache only (make test fills it first): no network inside the tests."""
    cache = build_lambda.DEFAULT_WHEEL_CACHE / f"py{python}-{arch}"
    if not any(cache.glob("*.whl")):
        pytest.skip(f"no cached wheels for python{python}/{arch}: run `make build` (make test does) first")
    out = tmp_path / name
    assert build_lambda.main(["--arch", arch, "--python", python, "--out", str(out), "--offline"]) == 0
    return out


def assert_bytecode_is_the_runtimes_own(archive_path: Path, names: list[str], python: str) -> None:
    """Bytecode only beside its source, for the runtime's Python, hash-based and unchecked (PEP 552 flags 1):
    read-only Lambda directories cannot cache it, and no file time decides whether it is used."""
    tag = f".cpython-{python.replace('.', '')}.pyc"
    bytecode = [n for n in names if n.endswith((".pyc", ".pyo"))]
    sources = set(names)
    if build_lambda.runtime_interpreter(python) is None:  # the build said so too: sources only
        assert not bytecode
        return
    assert bytecode, "no bytecode: every cold start would compile every module it imports"
    with zipfile.ZipFile(archive_path) as archive:
        for name in bytecode:
            directory, _, filename = name.rpartition("/")
            assert directory.endswith("__pycache__") and filename.endswith(tag), name
            source = directory.removesuffix("__pycache__") + filename.removesuffix(tag) + ".py"
            assert source in sources, name
            assert int.from_bytes(archive.read(name)[4:8], "little") == 1, name


def test_two_builds_are_byte_identical_and_clean(tmp_path):
    first = cached_build(tmp_path, "x86_64", "3.12", "one")
    second = cached_build(tmp_path, "x86_64", "3.12", "two")
    assert sorted(p.name for p in first.iterdir()) == ["function.zip", "layer.zip"]
    for name in ("function.zip", "layer.zip"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        with zipfile.ZipFile(first / name) as archive:
            infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert all((i.external_attr >> 16) == 0o100644 for i in infos)
        assert_bytecode_is_the_runtimes_own(archive_path=first / name, names=names, python="3.12")
    with zipfile.ZipFile(first / "function.zip") as archive:
        names = archive.namelist()
    assert "image_resizer/handler.py" in names and all(n.startswith("image_resizer/") for n in names)
    with zipfile.ZipFile(first / "layer.zip") as archive:
        layer_names = archive.namelist()
    assert all(n.startswith("python/") for n in layer_names)
    assert "python/PIL/__init__.py" in layer_names and "python/aws_lambda_powertools/__init__.py" in layer_names
    assert not [n for n in layer_names if n.startswith(("python/boto3/", "python/botocore/"))]


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_every_native_library_is_for_the_requested_machine(tmp_path, arch):
    out = cached_build(tmp_path, arch, "3.12")
    with zipfile.ZipFile(out / "layer.zip") as archive:
        archive.extractall(tmp_path / "layer")
        natives = [n for n in archive.namelist() if n.endswith(".so") or ".so." in n]
    assert natives
    for name in natives:
        assert build_lambda.elf_machine(tmp_path / "layer" / name) == ELF_MACHINES[arch], name
        if ".cpython-" in name:
            assert "cpython-312" in name and {"x86_64": "x86_64", "arm64": "aarch64"}[arch] in name, name


def _fake_layer(root: Path, name: str, machine: int) -> Path:
    path = root / "python" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 11 + machine.to_bytes(2, "little") + b"\0" * 40)
    return root


def test_platform_check_rejects_a_wrong_machine(tmp_path):
    root = _fake_layer(tmp_path, "PIL/_imaging.cpython-312-x86_64-linux-gnu.so", ELF_MACHINES["arm64"])
    with pytest.raises(build_lambda.BuildError, match="ELF machine 183"):
        build_lambda.verify_platform(root, "3.12", "x86_64")


def test_platform_check_rejects_a_wrong_python_tag(tmp_path):
    root = _fake_layer(tmp_path, "PIL/_imaging.cpython-311-x86_64-linux-gnu.so", ELF_MACHINES["x86_64"])
    with pytest.raises(build_lambda.BuildError, match="cpython-312"):
        build_lambda.verify_platform(root, "3.12", "x86_64")


def test_platform_check_accepts_the_right_files(tmp_path):
    root = _fake_layer(tmp_path, "PIL/_imaging.cpython-312-aarch64-linux-gnu.so", ELF_MACHINES["arm64"])
    assert build_lambda.verify_platform(root, "3.12", "arm64") == 1


def test_a_tampered_hash_fails_the_build(tmp_path, monkeypatch):
    cached_build(tmp_path, "x86_64", "3.12")  # skips without the cache
    text = build_lambda.REQUIREMENTS.read_text()
    start = text.index("pillow==13.0.0")
    block = text[start : text.index("\n" + "pillow==12", start)]
    tampered = tmp_path / "requirements.txt"
    tampered.write_text(text.replace(block, re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, block)))
    monkeypatch.setattr(build_lambda, "REQUIREMENTS", tampered)
    cache = tmp_path / "cache"
    shutil.copytree(build_lambda.DEFAULT_WHEEL_CACHE / "py3.12-x86_64", cache / "py3.12-x86_64")
    with pytest.raises(build_lambda.BuildError, match=r"(?i)hash"):
        build_lambda.build("x86_64", "3.12", tmp_path / "out", cache, offline=True)


def test_size_limits_are_enforced(tmp_path, monkeypatch):
    cached_build(tmp_path, "x86_64", "3.12")
    monkeypatch.setattr(build_lambda, "MAX_UNPACKED_BYTES", 1_000_000)
    with pytest.raises(build_lambda.BuildError, match="unpack to"):
        build_lambda.build("x86_64", "3.12", tmp_path / "small", build_lambda.DEFAULT_WHEEL_CACHE, offline=True)


def test_runtime_markers_pick_the_amazon_linux_2_wheels_for_python_311():
    text = build_lambda.REQUIREMENTS.read_text()
    assert [b.split()[0] for b in requirements_for(text, "3.11")][:2] == ["pillow==12.2.0", "pi-heif==1.0.0"]
    assert [b.split()[0] for b in requirements_for(text, "3.12")][:2] == ["pillow==13.0.0", "pi-heif==1.4.0"]
    assert marker_applies('python_version >= "3.12"', "3.13")
    assert not marker_applies('python_version < "3.12"', "3.12")
    with pytest.raises(ValueError, match="only python_version"):
        marker_applies('sys_platform == "linux"', "3.12")


RUN_HANDLER = """
import json, sys
import PIL, image_resizer.handler as handler
class Context:
    function_name = "image-resizer"; memory_limit_in_mb = 1024; aws_request_id = "r"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:image-resizer"
result = handler.lambda_handler({"bucket": "artifact-originals", "key": "photo one.jpg"}, Context())
numpy = sys.modules.get("numpy")  # imported by the "best" variant's search, not before
import io
from PIL import Image
from image_resizer.imaging.codecs import png_spng
from image_resizer.arriving import ArrivingBytes
png = io.BytesIO(); Image.new("RGB", (64, 48), (200, 10, 10)).save(png, "PNG")
decoded = png_spng.decode(ArrivingBytes.complete(png.getvalue()), Image.open(io.BytesIO(png.getvalue())))
libspng = png_spng._library()
from image_resizer.imaging.decode import open_source, start_decode
from image_resizer.limits import Limits
jpeg = io.BytesIO(); Image.new("RGB", (640, 480), (10, 200, 30)).save(jpeg, "JPEG")
decoding = start_decode(open_source(jpeg.getvalue(), Limits()), (300, 200), streamed=True)
if decoding.rows is not None:
    decoding.rows.wait_all()
print(json.dumps({"result": result, "pil": PIL.__file__, "pil_version": PIL.__version__,
                  "numpy": numpy.__file__ if numpy else None, "libspng": libspng._name if libspng else None,
                  "png_spng": None if decoded is None else list(decoded.getpixel((5, 5))),
                  "jpeg_rows": decoding.rows is not None, "jpeg_pixel": list(decoding.image.getpixel((5, 5)))}))
"""
# The seed's thumbnail, and a "best" variant: its search needs NumPy, which only the layer may provide.
ARTIFACT_VARIANTS = json.dumps(
    {
        "thumbnail": {"width": 200, "height": 200, "key": "{key}"},
        "best": {"width": 300, "height": 300, "format": "best", "key": "best/{stem}.{ext}"},
    }
)


def _run_from_artifacts(tmp_path, moto_server, python: str, out: Path) -> dict:
    s3 = boto3.client(
        "s3", endpoint_url=moto_server, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    for bucket in ("artifact-originals", "artifact-resized"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(
        Bucket="artifact-originals", Key="photo one.jpg", Body=samples.oriented_jpeg(6, samples.photo(900, 600))
    )
    tree = unpack(out / "function.zip", out / "layer.zip", tmp_path / "tree")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SOURCE_BUCKET": "artifact-originals",
        "RESIZED_BUCKET": "artifact-resized",
        "VARIANTS": ARTIFACT_VARIANTS,
    }
    completed = subprocess.run(
        tree.command(python, RUN_HANDLER),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["pil"].startswith(str(tree.layer))  # Pillow came from the layer, not from this machine
    assert report["numpy"].startswith(str(tree.layer))
    output, best = report["result"]["outputs"]
    assert (output["key"], output["width"], output["height"]) == ("photo one.jpg", 200, 133)
    assert best["score"] >= 80 and best["key"].startswith("best/photo one.")
    head = s3.head_object(Bucket="artifact-resized", Key="photo one.jpg")
    assert head["ContentType"] == "image/jpeg" and head["ContentLength"] == output["bytes"]
    # libspng decodes PNGs where the layer has it (python3.12 and later); elsewhere Pillow does.
    if report["libspng"] is not None:
        assert report["libspng"].startswith(str(tree.layer)) and report["png_spng"] == [200, 10, 10]
    else:
        assert report["png_spng"] is None
    # The layer's Pillow lets a JPEG be decoded on its own thread (jpeg_rows.py's layout check passes): a Pillow
    # whose decoder object changed would fall back silently, slower; this says so at build time instead.
    assert report["jpeg_rows"] is True
    assert all(abs(a - b) <= 2 for a, b in zip(report["jpeg_pixel"], (10, 200, 30), strict=True))
    return report


def test_artifacts_alone_resize_with_the_host_python(tmp_path, moto_server):
    out = cached_build(tmp_path, host_architecture(), host_python_version())
    _run_from_artifacts(tmp_path, moto_server, sys.executable, out)


@pytest.mark.skipif(not PYTHON312.exists(), reason=f"{PYTHON312} not installed")
def test_artifacts_alone_resize_with_python_312(tmp_path, moto_server):
    out = cached_build(tmp_path, host_architecture(), "3.12")
    report = _run_from_artifacts(tmp_path, moto_server, str(PYTHON312), out)
    assert report["pil_version"] == "13.0.0"
    assert report["libspng"] is not None
