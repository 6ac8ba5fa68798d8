"""Animated GIF, WebP and APNG kept animated (``animation: keep``): frame by frame, within a budget.

Every frame is composited onto the canvas before it is resized, so partial frames do not smear: APNG's
dispose and blend ops and WebP's frames through Pillow (libwebp's own compositor); GIF here, from the
frames' own patches (:func:`gif_canvases`), because Pillow fills a disposed area with an opaque colour where
browsers clear it. Only resized frames are kept, never the full-size ones. The budget is decided from the
header, before any frame is decoded: at most ``Limits.max_frames`` frames and ``animation_pixel_budget``
decoded pixels in all.
"""

from __future__ import annotations

import io
import struct
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Final

from PIL import Image

from image_resizer.errors import CorruptImageError, ImageTooLargeError
from image_resizer.imaging.colour import for_output, to_resizable_mode
from image_resizer.imaging.decode import MALFORMED_DATA, SourceImage, upright_transpose
from image_resizer.imaging.encode import OutputFormat, encode_animation
from image_resizer.imaging.geometry import in_stored_orientation, place
from image_resizer.imaging.pool import executor
from image_resizer.limits import Limits, animation_pixel_budget
from image_resizer.variants import VariantSpec

ANIMATED_FORMATS: Final = frozenset({"GIF", "WEBP", "PNG"})
_IN_FLIGHT: Final = 3


@dataclass(frozen=True, slots=True)
class AnimatedOutput:
    spec: VariantSpec
    data: bytes
    width: int
    height: int
    format: OutputFormat
    frames: int


def is_animated(source: SourceImage) -> bool:
    return source.frames > 1 and source.format in ANIMATED_FORMATS


def check_budget(source: SourceImage, limits: Limits) -> None:
    """Refuse, typed and before decoding, an animation over the frame or decoded-pixel budget."""
    if source.frames > limits.max_frames:
        raise ImageTooLargeError(
            f"the animation has {source.frames} frames; the budget is {limits.max_frames} frames (max_frames)"
        )
    pixels = source.frames * source.width * source.height
    budget = animation_pixel_budget(limits)
    if pixels > budget:
        raise ImageTooLargeError(
            f"the animation decodes {source.frames} frames x {source.width}x{source.height} = {pixels} pixels; "
            f"the budget is {budget} decoded pixels"
        )


@dataclass(frozen=True, slots=True)
class _GifPatch:
    disposal: int
    delay_ms: int
    box: tuple[int, int, int, int]
    standalone: bytes  # a one-frame GIF of just this patch, for Pillow to decode


def _gif_patches(data: bytes) -> tuple[int, list[_GifPatch]]:
    """Walk a GIF's blocks (GIF89a): the loop count and each frame's patch, disposal and delay."""
    flags = data[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    header = bytes(data[:position])
    loop, patches = 0, []
    control: tuple[int, int, int | None] = (0, 0, None)
    while position < len(data) and data[position] != 0x3B:
        introducer = data[position]
        if introducer == 0x21:
            label, position = data[position + 1], position + 2
            start = position
            while data[position]:
                position += data[position] + 1
            body = data[start:position]
            position += 1
            if label == 0xF9 and len(body) >= 5:
                flags_byte, delay, index = body[1], struct.unpack("<H", body[2:4])[0], body[4]
                control = ((flags_byte >> 2) & 7, delay * 10, index if flags_byte & 1 else None)
            elif label == 0xFF and body[1:12] == b"NETSCAPE2.0" and len(body) >= 16:
                loop = struct.unpack("<H", body[14:16])[0]
        elif introducer == 0x2C:
            left, top, width, height, packed = struct.unpack("<HHHHB", data[position + 1 : position + 10])
            start = position
            position += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0) + 1  # local table, LZW code size
            while data[position]:
                position += data[position] + 1
            position += 1
            disposal, delay_ms, transparent = control
            gce = (
                b"\x21\xf9\x04" + struct.pack("<BHB", 1 if transparent is not None else 0, 0, transparent or 0) + b"\0"
            )
            screen = header[:6] + struct.pack("<HH", width, height) + header[10:]
            descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, packed)
            standalone = screen + gce + descriptor + data[start + 10 : position] + b"\x3b"
            patches.append(_GifPatch(disposal, delay_ms, (left, top, left + width, top + height), standalone))
            control = (0, 0, None)
        else:
            raise CorruptImageError(f"unexpected GIF block 0x{introducer:02x} at byte {position}")
    return loop, patches


def gif_canvases(data: bytes, size: tuple[int, int]) -> tuple[int, Iterator[tuple[Image.Image, int]]]:
    """The loop count, and each frame as a viewer sees it with its delay in ms: the canvas starts
    transparent, a patch is drawn over it (its transparent index lets the canvas show through), then disposal 2
    clears the patch's area (as browsers do) and 3 restores the canvas as it was before the patch."""
    try:
        loop, patches = _gif_patches(data)
    except (IndexError, struct.error) as exc:
        raise CorruptImageError(f"cannot read the GIF's frames: {exc}") from exc

    def frames() -> Iterator[tuple[Image.Image, int]]:
        canvas = Image.new("RGBA", size, (0, 0, 0, 0))
        for patch in patches:
            before = canvas.copy() if patch.disposal == 3 else None
            with Image.open(io.BytesIO(patch.standalone), formats=["GIF"]) as opened:
                pixels = opened.convert("RGBA")
            canvas.alpha_composite(pixels, dest=patch.box[:2])
            yield canvas, patch.delay_ms  # read before the next step draws on it
            if patch.disposal == 2:
                canvas.paste((0, 0, 0, 0), patch.box)
            elif before is not None:
                canvas = before

    return loop, frames()


def _pillow_canvases(image: Image.Image, frames: int, fmt: str) -> Iterator[tuple[Image.Image, int]]:
    for index in range(frames):
        try:
            image.seek(index)
            frame = image.convert("RGBA")  # the composited canvas, transparency kept
        except MALFORMED_DATA as exc:
            raise CorruptImageError(f"cannot decode frame {index} of the {fmt} animation: {exc}") from exc
        yield frame, int(image.info.get("duration", 0) or 0)


def render_animated(
    source: SourceImage, specs: Sequence[VariantSpec], limits: Limits, data: bytes
) -> list[AnimatedOutput]:
    check_budget(source, limits)
    image = source.image
    transpose = upright_transpose(source.orientation)
    icc_profile = image.info.get("icc_profile")
    placements = {
        spec.name: in_stored_orientation(
            place(spec, source.width, source.height), source.orientation, source.width, source.height
        )
        for spec in specs
    }
    frames: dict[str, list[Image.Image]] = {spec.name: [] for spec in specs}
    embedded: dict[str, bytes | None] = {}
    durations: list[int] = []
    if source.format == "GIF":
        loop, canvases = gif_canvases(data, image.size)
    else:
        loop, canvases = int(image.info.get("loop", 0) or 0), _pillow_canvases(image, source.frames, source.format)

    def resized(frame: Image.Image) -> list[tuple[Image.Image, bytes | None]]:
        outputs = []
        for spec in specs:
            placement = placements[spec.name]
            small = frame.resize((placement.width, placement.height), Image.Resampling.LANCZOS, box=placement.box)
            if transpose is not None:
                small = small.transpose(transpose)
            outputs.append(for_output(small, icc_profile, spec.colorspace))
        return outputs

    # Resampling runs on the worker threads while the next frame is composited; a few frames in flight at
    # most, so memory stays at a handful of full-size frames whatever the frame count.
    pending: deque[Future[list[tuple[Image.Image, bytes | None]]]] = deque()

    def collect(future: Future[list[tuple[Image.Image, bytes | None]]]) -> None:
        for spec, (small, profile) in zip(specs, future.result(), strict=True):
            frames[spec.name].append(small)
            embedded[spec.name] = profile

    for canvas, duration in canvases:
        # An own copy for the thread (the canvas is drawn on next); opaque frames resample as RGB, a third faster.
        opaque = canvas.getchannel("A").getextrema()[0] == 255
        frame = to_resizable_mode(canvas.convert("RGB") if opaque else canvas.copy())
        durations.append(duration)
        pending.append(executor().submit(resized, frame))
        while len(pending) > _IN_FLIGHT:
            collect(pending.popleft())
    while pending:
        collect(pending.popleft())
    outputs = []
    for spec in specs:
        output_format: OutputFormat = "gif" if spec.format == "gif" else "webp"
        sequence = frames[spec.name]
        assert spec.quality != "auto"  # variants.py refuses quality "auto" with animation "keep"
        data = encode_animation(sequence, durations, loop, output_format, spec.quality, embedded[spec.name])
        outputs.append(AnimatedOutput(spec, data, sequence[0].width, sequence[0].height, output_format, len(sequence)))
    return outputs
