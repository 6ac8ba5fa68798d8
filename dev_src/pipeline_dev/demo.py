"""``make demo``: the whole pipeline on this machine (local stack), on generated uploads or your own.

Uploads go to the originals bucket; S3's EventBridge event starts the state machine, which invokes the
Lambda built from dist/ (or build/host/) in a worker process; the table and dist/demo/index.html show each
execution's outcome and variants, with the end-to-end time and the function's own duration (from its REPORT
log line). Exit status 0 when every valid image produced all its variants and every invalid one ended FAILED
with a typed error (with --images, any typed rejection is an expected outcome: an SVG is refused, not a demo
failure); 1 when an execution ended otherwise; 2 when the arguments are wrong.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import quote, unquote_plus
from urllib.request import Request, urlopen

from pipeline_dev import samples
from pipeline_dev.local.cdn import NEGOTIATED_VARIANTS
from pipeline_dev.local.stack import LocalStack, StackSettings

INVALID_SAMPLES = {"corrupt.jpg"}
# The Terraform default (the thumbnail under the upload's own key) and two more, so that the page has a srcset
# to show and a smart crop.
DEMO_VARIANTS = {
    "thumbnail": {"width": 200, "height": 200, "fit": "inside", "format": "auto", "quality": 82, "key": "{key}"},
    # Written as AVIF, WebP and JPEG: the CDN stand-in answers ?w= with the one the browser accepts.
    **NEGOTIATED_VARIANTS,
    "square": {"width": 160, "height": 160, "fit": "cover", "gravity": "attention", "key": "square/{key}"},
}
# The width the page asks the CDN for, and the Accept headers it asks with (Chrome's for images; then a browser
# without AVIF; then one that takes only JPEG).
NEGOTIATED_WIDTH = 640
ACCEPTS = {
    "Chrome": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "WebP only": "image/webp,image/*,*/*;q=0.8",
    "JPEG only": "image/jpeg",
}
TYPED_ERRORS = {
    "InvalidRequestError",
    "SourceNotFoundError",
    "UnsupportedImageError",
    "ImageTooLargeError",
    "CorruptImageError",
    "ConfigurationError",
    "InvalidInput",
}


def sample_uploads() -> dict[str, bytes]:
    return {
        "phone-photo-rotated.jpg": samples.oriented_jpeg(6, samples.photo(1600, 1200, seed=3)),
        "transparent-logo.png": samples.transparent_png(),
        "camera-24mp.jpg": samples.encode(samples.photo(6000, 4000, seed=4), "JPEG", quality=90),
        "corrupt.jpg": samples.truncated(samples.encode(samples.photo(800, 600), "JPEG"), 0.4),
    }


# S3 object keys are at most 1,024 bytes of UTF-8 ("Naming Amazon S3 objects", Amazon S3 User Guide).
MAX_KEY_BYTES = 1024


def _left_out(path: Path, relative: str) -> str | None:
    """Why ``path`` is not uploaded, or None when it is."""
    if path.name.startswith("."):
        return "hidden"
    if path.is_symlink():
        return "a link, not followed"
    if not path.is_dir() and not path.is_file():
        return "not a regular file"
    if len(relative.encode()) > MAX_KEY_BYTES:
        return f"its path is longer than an S3 key's {MAX_KEY_BYTES} bytes"
    return None


def own_uploads(folder: Path) -> tuple[dict[str, bytes], list[str]]:
    """Every file below ``folder``, keyed by its path relative to it (as ``aws s3 cp --recursive`` would upload it),
    and one line for each thing left out, saying why: hidden files and folders, links (not followed), anything
    that is not a regular file, paths longer than an S3 key may be."""
    uploads: dict[str, bytes] = {}
    skipped: list[str] = []
    for directory, folders, files in os.walk(folder):
        here = Path(directory)
        kept = []
        for name in sorted(folders) + sorted(files):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            is_folder = name in folders
            reason = _left_out(path, relative)
            if reason is not None:
                shown = relative + "/" if is_folder else (relative if len(relative) <= 80 else relative[:40] + "...")
                kind = " folder" if is_folder else " file"
                skipped.append(f"{shown}: {'a hidden' + kind if reason == 'hidden' else reason}")
            elif is_folder:
                kept.append(name)
            else:
                uploads[relative] = path.read_bytes()
        folders[:] = kept
    return dict(sorted(uploads.items())), skipped


EXIT_USAGE = 2
_REPORT = re.compile(r"^REPORT RequestId: (\S+)\tDuration: ([0-9.]+) ms.*?(\tInit Duration: [0-9.]+ ms)?$")
FUNCTION_TIME_NOTE = (
    "fn ms: the function's Duration from Lambda's REPORT line (what Lambda bills); * marks a worker's first\n"
    "invocation, which also loads the imaging libraries the handler imports on first use. The uploads run at\n"
    "once on {workers} workers sharing this machine's cores, so a duration includes waiting for a core."
)


def function_durations(stack: LocalStack) -> dict[str, tuple[float, bool]]:
    """Upload key -> the function's billed-style Duration in ms and whether it was a cold start (the REPORT line
    has an Init Duration), joined through the request id the handler's JSON log lines and REPORT share."""
    logs = stack.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{stack.function_name}")["events"]
    request_of_key: dict[str, str] = {}
    duration_of_request: dict[str, tuple[float, bool]] = {}
    for event in events:
        message = event["message"].strip()
        report = _REPORT.match(message)
        if report:
            duration_of_request[report.group(1)] = (float(report.group(2)), report.group(3) is not None)
            continue
        try:
            record = json.loads(message)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "key" in record and "function_request_id" in record:
            request_of_key[record["key"]] = record["function_request_id"]
    return {key: duration_of_request[rid] for key, rid in request_of_key.items() if rid in duration_of_request}


def describe(execution: dict[str, Any]) -> dict[str, Any]:
    # The event carries the key URL-encoded, as S3 writes it ("été 1.jpg" arrives as "%C3%A9t%C3%A9+1.jpg").
    key = unquote_plus(json.loads(execution["input"])["key"])
    row: dict[str, Any] = {
        "key": key,
        "status": execution["status"],
        "seconds": (execution["stopDate"] - execution["startDate"]).total_seconds(),
        "function_ms": None,
        "cold": False,
        "outputs": [],
        "error": None,
        "cause": None,
    }
    if execution["status"] == "SUCCEEDED":
        result = json.loads(execution["output"])
        row["outputs"] = result["outputs"]
        row["manifest"] = result.get("manifest")
    else:
        row["error"] = execution.get("error")
        cause = execution.get("cause") or ""
        try:
            row["cause"] = json.loads(cause).get("errorMessage", cause)
        except (json.JSONDecodeError, AttributeError):
            row["cause"] = cause
    return row


def render_table(rows: list[dict[str, Any]]) -> str:
    header = f"{'key':<26} {'status':<10} {'seconds':>7} {'fn ms':>7}  variants / error"
    lines = [header, "-" * 100]
    for row in rows:
        if row["outputs"]:
            detail = ", ".join(
                f"{o['variant']} -> {o['key']} {o['width']}x{o['height']} {o['format']} {o['bytes']:,} B"
                for o in row["outputs"]
            )
        else:
            detail = f"{row['error']}: {row['cause']}"
        function_ms = "-" if row["function_ms"] is None else f"{row['function_ms']:.0f}" + ("*" if row["cold"] else "")
        lines.append(f"{row['key']:<26} {row['status']:<10} {row['seconds']:>7.2f} {function_ms:>7}  {detail}")
    return "\n".join(lines)


# Formats a browser shows as they are; any other original (HEIC, TIFF, ...) is shown as a preview the pipeline renders.
BROWSER_FORMATS = {"jpeg", "mpo", "png", "webp", "gif", "avif"}


def _original_figure(key: str, original: Path, manifest: dict[str, Any] | None, out: Path) -> str:
    """The original (or a small sRGB preview rendered by the pipeline's core when a browser cannot show it), with
    the crop box of each cover variant drawn where it was taken."""
    src = f"originals/{key}"
    caption = "original"
    source = (manifest or {}).get("source", {})
    if manifest and source.get("format", "").lower() not in BROWSER_FORMATS:
        preview = _preview(original, out / "previews" / f"{key}.png")
        if preview is not None:
            src, caption = f"previews/{key}.png", f"original ({source.get('format')}): a preview the pipeline rendered"
    boxes = []
    width, height = source.get("width"), source.get("height")
    for variant in (manifest or {}).get("variants", []):
        if "crop" in variant and width and height:
            left, top, right, bottom = variant["crop"]
            style = (
                f"left:{100 * left / width:.2f}%;top:{100 * top / height:.2f}%;"
                f"width:{100 * (right - left) / width:.2f}%;height:{100 * (bottom - top) / height:.2f}%"
            )
            boxes.append(f'<div class=crop style="{style}"><span>{html.escape(variant["name"])}</span></div>')
    image = f'<img src="{html.escape(quote(src))}" alt="{html.escape(key)}">'
    label = f"<figcaption>{html.escape(caption)}</figcaption>"
    return f"<figure><div class=frame>{image}{''.join(boxes)}</div>{label}</figure>"


def _preview(original: Path, target: Path) -> Path | None:
    from image_resizer.errors import ImageResizerError
    from image_resizer.imaging.render import render
    from image_resizer.variants import parse_variants

    specs = parse_variants({"preview": {"width": 640, "height": 640, "format": "png", "key": "{stem}.{ext}"}})
    try:
        (rendered,) = render(original.read_bytes(), specs).variants
    except ImageResizerError:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(rendered.data)
    return target


def _variant_figure(variant: dict[str, Any]) -> str:
    facts = f"{variant['name']}: {variant['width']}x{variant['height']} {variant['format']}, {variant['bytes']:,} B"
    if "crop" in variant:
        facts += f", crop {variant['crop']}"
    src = html.escape(quote(f"resized/{variant['key']}"))
    label = f"<figcaption>{html.escape(facts)}</figcaption>"
    return f'<figure class=variant><img src="{src}" alt="{html.escape(variant["name"])}">{label}</figure>'


@dataclass(frozen=True)
class Negotiated:
    browser: str
    status: int
    content_type: str
    size: int
    vary: str
    saved: str  # where the page finds the bytes, relative to the page

    def line(self) -> str:
        return f"{self.browser} {self.status} {self.content_type} {self.size:,} B"


def negotiate(stack: LocalStack, key: str, out: Path) -> list[Negotiated]:
    """What the CDN stand-in answers ``/<key>?w=NEGOTIATED_WIDTH`` for each browser's Accept header (saved)."""
    answers = []
    for browser, accept in ACCEPTS.items():
        url = f"{stack.cdn_url}/{quote(key)}?w={NEGOTIATED_WIDTH}"
        try:
            with urlopen(Request(url, headers={"Accept": accept}), timeout=30) as response:  # noqa: S310 (127.0.0.1)
                status, data, headers = response.status, response.read(), response.headers
        except HTTPError as refused:  # the page shows what the CDN answered, whatever it was
            status, data, headers = refused.code, refused.read(), refused.headers
        content_type, vary = headers.get("Content-Type", ""), headers.get("Vary", "")
        saved = Path("negotiated") / browser.replace(" ", "-").lower() / f"{key}.{content_type.rpartition('/')[2]}"
        (out / saved).parent.mkdir(parents=True, exist_ok=True)
        (out / saved).write_bytes(data)
        answers.append(Negotiated(browser, status, content_type, len(data), vary, saved.as_posix()))
    return answers


def _negotiated_figure(key: str, answers: list[Negotiated]) -> str:
    chrome = answers[0]
    markup = f'<img src="$CDN/{quote(key)}?w={NEGOTIATED_WIDTH}">'
    facts = "; ".join(f"{a.browser}: {a.content_type}, {a.size:,} B" for a in answers)
    return (
        f'<figure class=variant><img src="{html.escape(quote(chrome.saved))}" alt="negotiated {html.escape(key)}">'
        f"<figcaption><code>{html.escape(markup)}</code><br>{html.escape(facts)} (Vary: {html.escape(chrome.vary)})"
        "</figcaption></figure>"
    )


def write_html(
    rows: list[dict[str, Any]], stack: LocalStack, out: Path, negotiated: dict[str, list[Negotiated]] | None = None
) -> Path:
    """The page a site would build from the manifests: each upload as its <picture> (which paints its own LQIP
    placeholder until the image arrives), every variant with its size and bytes, and the event it raised."""
    s3 = stack.client("s3")
    (out / "originals").mkdir(parents=True, exist_ok=True)
    cards = []
    for row in rows:
        key = row["key"]
        original = out / "originals" / key
        original.parent.mkdir(parents=True, exist_ok=True)
        original.write_bytes(s3.get_object(Bucket=stack.settings.originals_bucket, Key=key)["Body"].read())
        for output in row["outputs"]:  # local copies where the manifest's relative URLs point: resized/<key>
            local = out / "resized" / output["key"]
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(s3.get_object(Bucket=output["bucket"], Key=output["key"])["Body"].read())
        manifest = row.get("manifest")
        if manifest:  # as the function wrote it, for a page of your own
            saved = out / "manifests" / f"{key}.json"
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        parts = [_original_figure(key, original, manifest, out)]
        if manifest:
            marks = manifest["placeholders"]
            ratio = f"{manifest['source']['width']}/{manifest['source']['height']}"
            parts.append(
                f'<figure><div class=ph style="aspect-ratio:{ratio}">{manifest["picture"]}</div>'
                "<figcaption>&lt;picture&gt; from the manifest, its placeholder painted first</figcaption></figure>"
            )
            if negotiated and key in negotiated:
                parts.append(_negotiated_figure(key, negotiated[key]))
            parts.extend(_variant_figure(v) for v in manifest["variants"])
            parts.append(f"<p class=hash>BlurHash {html.escape(marks['blurhash'])}</p>")
        if row["error"]:
            parts.append(f"<p class=error>{html.escape(str(row['error']))}: {html.escape(str(row['cause']))}</p>")
        if row.get("event"):
            parts.append(f"<p class=event>event: {html.escape(row['event'])}</p>")
        cards.append(
            f"<section><h2>{html.escape(key)} <small>{row['status']} in {row['seconds']:.2f} s end to end"
            + ("" if row["function_ms"] is None else f", function {row['function_ms']:.0f} ms")
            + "</small></h2>"
            + "".join(parts)
            + "</section>"
        )
    page = out / "index.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><title>image-resizer: local pipeline demo</title>"
        "<style>body{font-family:sans-serif;margin:2em}img{max-width:320px;max-height:240px}"
        ".variant img,.frame img{background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0/16px 16px}"
        "figure{display:inline-block;vertical-align:top}.ph{width:320px}.ph img{width:100%;height:auto;display:block}"
        ".error{color:#b00}.event{color:#064}.hash{font-family:monospace;color:#555}"
        ".frame{position:relative;display:inline-block;line-height:0}.frame img{display:block}"
        ".crop{position:absolute;outline:2px solid #e0f;box-shadow:0 0 0 1px #fff}"
        ".crop span{position:absolute;left:2px;top:2px;font:11px sans-serif;line-height:1.2;"
        "background:#e0f;color:#fff;padding:0 3px}</style>"
        "<h1>image-resizer: local pipeline demo</h1>" + "".join(cards),
        encoding="utf-8",
    )
    return page


def _subscribe(stack: LocalStack) -> str:
    """A queue that a rule fills with the pipeline's events, as a site's own consumer would."""
    sqs, events = stack.client("sqs"), stack.client("events")
    queue = sqs.create_queue(QueueName="demo-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="demo-variants", EventPattern=json.dumps({"source": ["image-resizer"]}))
    events.put_targets(Rule="demo-variants", Targets=[{"Id": "queue", "Arn": arn}])
    return str(queue)


def _events_by_key(stack: LocalStack, queue: str) -> dict[str, str]:
    sqs = stack.client("sqs")
    found: dict[str, str] = {}
    while True:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            event = json.loads(message["Body"])
            detail = event.get("detail", {})
            key = detail.get("manifest", {}).get("source", {}).get("key") or unquote_plus(str(detail.get("key", "")))
            found[key] = event["detail-type"] + (f" ({detail['error']})" if "error" in detail else "")


def run(uploads: dict[str, bytes], out: Path, expected_failures: set[str] | None) -> int:
    """``expected_failures``: the uploads that must be rejected; None: any may be, as long as it is typed."""
    started = time.perf_counter()
    # The CDN stand-in runs the CloudFront Function under Node; without Node the rest of the demo still runs.
    with_cdn = shutil.which("node") is not None
    if not with_cdn:
        print("demo: node is not installed: the CDN stand-in (one URL per image) is left out", file=sys.stderr)
    settings = StackSettings(
        variants=DEMO_VARIANTS, enable_events=True, variables={"base_url": "./resized", "enable_cdn": with_cdn}
    )
    with LocalStack(settings) as stack:
        queue = _subscribe(stack)
        print(f"local stack up in {time.perf_counter() - started:.1f} s: {stack.endpoint_url}")
        s3 = stack.client("s3")
        for key, data in uploads.items():
            s3.put_object(Bucket=stack.settings.originals_bucket, Key=key, Body=data)
            print(f"  uploaded s3://{stack.settings.originals_bucket}/{key} ({len(data):,} B)")
        executions = _wait_with_progress(stack, len(uploads))
        order = list(uploads)
        rows = sorted(
            (describe(e) for e in executions),
            key=lambda r: order.index(r["key"]) if r["key"] in order else len(order),
        )
        durations = function_durations(stack)
        events = _events_by_key(stack, queue)
        for row in rows:
            row["function_ms"], row["cold"] = durations.get(row["key"], (None, False))
            row["event"] = events.get(row["key"])
        print()
        print(render_table(rows))
        print()
        print(FUNCTION_TIME_NOTE.format(workers=settings.max_workers))
        negotiated = {}
        if with_cdn:
            negotiated = {r["key"]: negotiate(stack, r["key"], out) for r in rows if r["status"] == "SUCCEEDED"}
            print(f"\none URL per image: the CDN stand-in ({stack.cdn_url}) ran the function Terraform rendered")
            for key, answers in negotiated.items():
                print(f"  GET /{quote(key)}?w={NEGOTIATED_WIDTH}: " + ", ".join(a.line() for a in answers))
        page = write_html(rows, stack, out, negotiated)
    print(f"\nopen {page} to see each original beside its variants")
    wrong = [
        r["key"]
        for r in rows
        if r["status"] not in ("SUCCEEDED", "FAILED")
        or (r["status"] == "FAILED" and r["error"] not in TYPED_ERRORS)
        or (expected_failures is not None and (r["key"] in expected_failures) != (r["status"] == "FAILED"))
    ]
    if wrong:
        print(f"unexpected outcome for: {', '.join(wrong)}")
    return 1 if wrong else 0


def _wait_with_progress(stack: LocalStack, count: int) -> list[dict[str, Any]]:
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + 300
    last = ""
    while time.monotonic() < deadline:
        executions = sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]
        done = sum(e["status"] != "RUNNING" for e in executions)
        line = f"  executions: {len(executions)} started, {done} finished"
        if line != last:
            print(line, flush=True)
            last = line
        if len(executions) >= count and done == len(executions):
            break
        time.sleep(0.25)
    return stack.wait_for_executions(count, timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, help="a folder of your own images instead of the samples")
    parser.add_argument("--out", type=Path, default=Path("dist/demo"))
    args = parser.parse_args(argv)
    if args.images:
        if not args.images.is_dir():
            print(f"demo: IMAGES={args.images} is not a folder", file=sys.stderr)
            return EXIT_USAGE
        uploads, skipped = own_uploads(args.images)
        for line in skipped:
            print(f"demo: left out {line}", file=sys.stderr)
        if not uploads:
            print(f"demo: IMAGES={args.images} holds no files to upload (subfolders included)", file=sys.stderr)
            return EXIT_USAGE
        return _run_rendered(uploads, args.out, expected_failures=None)
    return _run_rendered(sample_uploads(), args.out, INVALID_SAMPLES)


def _run_rendered(uploads: dict[str, bytes], out: Path, expected_failures: set[str] | None) -> int:
    """The demo on the stack Terraform renders; a configuration Terraform refuses is one line, exit 2."""
    from pipeline_dev.local.rendered import RenderError
    from pipeline_dev.local.stack import ServiceRoleError

    try:
        return run(uploads, out, expected_failures)
    except RenderError as exc:
        print(f"demo: terraform refused the configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ServiceRoleError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
