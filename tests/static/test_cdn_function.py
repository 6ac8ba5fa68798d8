"""The CloudFront Function that gives each image one URL (modules/cdn/negotiate.js.tftpl), as Terraform renders
it (stand-in provider), run under Node with CloudFront's event shape. The expected keys come from the function's
own Python (VariantSpec.render_key), not from a second copy of the rules."""

from __future__ import annotations

import shutil
from urllib.parse import quote, unquote

import pytest
from image_resizer.imaging.encode import EXTENSIONS
from image_resizer.variants import parse_variants
from pipeline_dev.local.cdn import FunctionError, ViewerFunction, viewer_request
from pipeline_dev.local.rendered import RenderError

from tests.rendered import rendered

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="the function runs under Node")

VARIANTS = {
    "small": {"width": 400, "height": 400, "formats": ["avif", "webp", "jpeg"]},
    "medium": {"width": 800, "height": 800, "formats": ["avif", "webp", "jpeg"], "key": "m/{dir}{stem}-800.{ext}"},
    "large": {"width": 1600, "height": 1600, "formats": ["webp", "jpeg"], "quality": "auto"},
    "square": {"width": 300, "height": 300, "fit": "cover", "formats": ["avif", "png"]},
    "thumbnail": {"width": 200, "height": 200, "key": "{key}"},  # one format: not negotiated
}
SPECS = {spec.name: spec for spec in parse_variants(VARIANTS)}
# The Accept headers browsers send for images (and for a navigation to an image) in 2026.
CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
SAFARI = (
    "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,"
    "image/*;q=0.8,*/*;q=0.5"
)
FIREFOX = "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
WEBP_ONLY = "image/webp,image/*,*/*;q=0.8"
JPEG_ONLY = "image/jpeg,image/png"


@pytest.fixture(scope="module")
def stack_render():
    return rendered(enable_cdn=True, variants=VARIANTS)


@pytest.fixture(scope="module")
def function(stack_render):
    assert stack_render.cdn is not None and stack_render.cdn.function_code is not None
    running = ViewerFunction(stack_render.cdn.function_code)
    yield running
    running.close()


def request(function, path: str, accept: str | None = CHROME):
    uri, _, query = path.partition("?")
    return function(viewer_request(uri, query, {} if accept is None else {"Accept": accept}))


def expected_uri(source_key: str, variant: str, fmt: str) -> str:
    return "/" + quote(SPECS[variant].render_key(source_key, EXTENSIONS[fmt]), safe="/")  # type: ignore[index]


def test_terraform_creates_one_cloudfront_js_2_function_on_both_viewer_events(stack_render):
    assert stack_render.cdn.function_runtime == "cloudfront-js-2.0"
    assert stack_render.cdn.function_events == ("viewer-request", "viewer-response")
    # CloudFront Functions' quota: 10 KB of code.
    assert len(stack_render.cdn.function_code.encode()) <= 10240


def test_no_function_without_formats_or_without_the_cdn():
    assert rendered(enable_cdn=True).cdn.function_code is None
    assert rendered(enable_cdn=True).cdn.function_events == ()
    assert rendered(variants=VARIANTS).cdn is None


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [(CHROME, "avif"), (SAFARI, "avif"), (FIREFOX, "avif"), (WEBP_ONLY, "webp"), (JPEG_ONLY, "jpeg"),
     ("*/*", "jpeg"), (None, "jpeg"), ("image/avif;q=0,image/webp", "webp"), ("IMAGE/AVIF", "avif")],
)  # fmt: skip
def test_w_picks_the_smallest_wide_enough_variant_in_the_first_accepted_format(function, accept, fmt):
    answer = request(function, "/photos/cat.jpg?w=700", accept)
    assert answer["uri"] == expected_uri("photos/cat.jpg", "medium", fmt)
    assert answer["querystring"] == {}  # the variant's own URI is CloudFront's cache key


@pytest.mark.parametrize(("width", "variant"), [(1, "small"), (400, "small"), (401, "medium"), (1600, "large"),
                                                 (1601, "large"), (16384, "large")])  # fmt: skip
def test_w_by_width_among_inside_variants_only(function, width, variant):
    fmt = "avif" if variant != "large" else "webp"
    assert request(function, f"/cat.jpg?w={width}")["uri"] == expected_uri("cat.jpg", variant, fmt)


def test_v_names_any_variant_with_formats_crops_included(function):
    assert request(function, "/a/b.png?v=square")["uri"] == expected_uri("a/b.png", "square", "avif")
    assert request(function, "/a/b.png?v=square", JPEG_ONLY)["uri"] == expected_uri("a/b.png", "square", "png")


@pytest.mark.parametrize(
    "key",
    ["my photos/café crème.jpg", "a+b/c+d.jpeg", "noextension", ".hidden", "dir/.hidden.png", "x.tar.gz", "日本/猫.JPG",
     "100% real.jpg", "it's (1).jpg"],
)  # fmt: skip
def test_keys_with_spaces_accents_and_plus_signs_stay_the_same_key(function, key):
    answer = request(function, "/" + quote(key, safe="/") + "?w=800", WEBP_ONLY)
    assert unquote(answer["uri"]) == "/" + SPECS["medium"].render_key(key, "webp")
    # Percent-encoded as a URI path must be (S3 decodes it back): no raw space, no raw non-ASCII, "+" kept a plus.
    assert answer["uri"].isascii() and " " not in answer["uri"] and "+" not in answer["uri"]


@pytest.mark.parametrize("path", ["/photos/cat.jpg", "/m/photos/cat-800.avif", "/photos/cat.jpg?size=big", "/"])
def test_requests_without_w_or_v_pass_through_unchanged(function, path):
    uri, _, query = path.partition("?")
    event = viewer_request(uri, query, {"Accept": CHROME})
    assert function(event) == event["request"]


@pytest.mark.parametrize(
    "query",
    ["w=abc", "w=0", "w=16385", "w=99999", "w=1.5", "w=-3", "w=", "w=%20800", "v=nope", "v=thumbnail", "v=",
     "w=800&v=small", "w=800&w=900"],
)  # fmt: skip
def test_bad_w_or_v_is_a_400_from_the_function_itself(function, query):
    answer = request(function, f"/photos/cat.jpg?{query}")
    assert answer["statusCode"] == 400 and answer["body"]["data"].strip()
    assert answer["headers"]["cache-control"]["value"] == "no-store"


def test_a_path_that_is_not_percent_encoded_utf8_is_a_400(function):
    assert request(function, "/caf%E9.jpg?w=10")["statusCode"] == 400


def test_every_response_varies_by_accept(function):
    def respond(headers):
        event = {
            "version": "1.0",
            "context": {"eventType": "viewer-response"},
            "viewer": {"ip": "127.0.0.1"},
            "request": viewer_request("/m/cat-800.avif", "", {"Accept": CHROME})["request"],
            "response": {"statusCode": 200, "headers": {k: {"value": v} for k, v in headers.items()}},
        }
        return {k: v["value"] for k, v in function(event)["headers"].items()}

    assert respond({"content-type": "image/avif"})["vary"] == "Accept"
    assert respond({"vary": "Origin"})["vary"] == "Origin, Accept"
    assert respond({"vary": "origin, accept"})["vary"] == "origin, accept"


def test_the_runtime_offers_no_require():
    sandboxed = ViewerFunction("function handler(event) { return require('fs').readFileSync('/etc/hostname'); }")
    try:
        with pytest.raises(FunctionError, match="require is not defined"):
            sandboxed(viewer_request("/x", "", {}))
    finally:
        sandboxed.close()


def test_a_function_over_cloudfronts_10_kb_is_refused_at_plan():
    many = {
        f"variant_{i:02d}": {
            "width": 100 + i,
            "height": 100 + i,
            "formats": ["avif", "webp", "jpeg"],
            "key": f"negotiated/{i:02d}/{{dir}}{{stem}}-a-rather-long-suffix-for-this-width.{{ext}}",
        }
        for i in range(60)
    }
    with pytest.raises(RenderError, match="CloudFront Functions allow 10240"):
        rendered(enable_cdn=True, variants=many)
