"""Animated inputs kept animated: ours (`animation: keep`, 200 px, animated WebP at Q 82) next to libvips'
`thumbnail` with n=-1 written as animated WebP at Q 82 (pyvips), side by side in one process: time (median of
interleaved rounds), peak RSS of each in a fresh process, output bytes.

More columns separate the encoder from the resampler, at equal settings (Q 82, the same libwebp): "same
frames" is our encoder writing libvips' own resized frames, against libvips' file, and "kept" the mean
SSIMULACRA 2 of each of those two files against those very frames (what each encoder keeps of one input);
"YUV step" is our encoder on those frames after the step libvips takes before its encoder sees them (it imports
lossy frames as YUV 4:2:0, use_argb off, and libwebp's animation encoder turns each back into ARGB to compare
frames, so chroma is subsampled twice), against libvips' file;
"score" is the mean SSIMULACRA 2 of each output's frames against an independent reference (Pillow's own
composite of each frame, LANCZOS to the output size).

Inputs: the animated files of ../shared/corpus (when present) and one generated: a 150-frame 480x360 GIF of a
moving, changing scene (partial frames, as encoders write them).

    python benchmarks/bench_animation.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import io
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import interleaved_median_ms, peak_rss_mb
from image_resizer.imaging.codecs import webp_scaled
from image_resizer.imaging.encode import encode_animation
from image_resizer.imaging.quality import ssimulacra2
from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
from PIL import Image, ImageDraw

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "images"
# libvips reads no APNG animation (its PNG loader has no n=), so APNG is ours alone.
ANIMATED = ["Rotating_earth_(large).gif", "dispose_bgnd.gif", "animated-loop-3.webp"]
SPECS = parse_variants({"anim": {"width": 200, "height": 200, "animation": "keep", "quality": 82}})


def ours(data: bytes) -> bytes:
    return render(data, SPECS).variants[0].data


def libvips(data: bytes) -> bytes:
    import pyvips

    thumb = pyvips.Image.thumbnail_buffer(data, 200, height=200, option_string="n=-1")
    return bytes(thumb.write_to_buffer(".webp[Q=82,strip]"))


def libvips_frames(data: bytes) -> list[Image.Image]:
    """libvips' resized frames before encoding."""
    import pyvips

    thumb = pyvips.Image.thumbnail_buffer(data, 200, height=200, option_string="n=-1")
    page = thumb.get("page-height") if thumb.get_typeof("page-height") else thumb.height
    mode = {3: "RGB", 4: "RGBA"}[thumb.bands]
    whole = Image.frombytes(mode, (thumb.width, thumb.height), thumb.write_to_memory())
    return [whole.crop((0, top, thumb.width, top + page)) for top in range(0, thumb.height, page)]


class _Picture(ctypes.Structure):
    """libwebp's WebPPicture (encode.h, encoder ABI 2.x), as far as this benchmark reads it."""

    _fields_ = [
        ("use_argb", ctypes.c_int),
        ("colorspace", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        *[(plane, ctypes.c_void_p) for plane in ("y", "u", "v")],
        ("y_stride", ctypes.c_int),
        ("uv_stride", ctypes.c_int),
        ("a", ctypes.c_void_p),
        ("a_stride", ctypes.c_int),
        ("pad1", ctypes.c_uint32 * 2),
        ("argb", ctypes.c_void_p),
        ("argb_stride", ctypes.c_int),
        ("pad2", ctypes.c_uint32 * 3),
        ("rest", ctypes.c_void_p * 32),  # writer, stats, hooks, padding and private memory: never read here
    ]


_ENCODER_ABI = 0x020F


def yuv_step(frame: Image.Image) -> Image.Image:
    """``frame`` as libwebp's animation encoder sees it from libvips: imported as YUV 4:2:0, back to ARGB."""
    library = webp_scaled._library()
    assert library is not None, "libwebp not found"
    rgba = frame.convert("RGBA")
    picture = _Picture()
    assert library.WebPPictureInitInternal(ctypes.byref(picture), _ENCODER_ABI)
    picture.use_argb, picture.width, picture.height = 0, *rgba.size
    pixels = rgba.tobytes()
    try:
        assert library.WebPPictureImportRGBA(ctypes.byref(picture), pixels, rgba.width * 4)
        assert library.WebPPictureYUVAToARGB(ctypes.byref(picture))
        stride, width = picture.argb_stride * 4, rgba.width * 4
        rows = [ctypes.string_at(picture.argb + y * stride, width) for y in range(rgba.height)]
    finally:
        library.WebPPictureFree(ctypes.byref(picture))
    argb = Image.frombytes("RGBA", rgba.size, b"".join(rows), "raw", "BGRA")  # little-endian 0xAARRGGBB words
    return argb if frame.mode == "RGBA" else argb.convert("RGB")


def our_encoder_on(frames: list[Image.Image]) -> bytes:
    return encode_animation(frames, [100] * len(frames), 0, "webp", 82)


def kept(output: bytes, frames: list[Image.Image]) -> float:
    """Mean SSIMULACRA 2 of an encoding's frames against the frames it was made from."""
    with Image.open(io.BytesIO(output)) as animation:
        scores = []
        for index, frame in enumerate(frames):
            animation.seek(index)
            scores.append(ssimulacra2.score(frame.convert("RGBA"), animation.convert("RGBA")))
    return statistics.mean(scores)


def mean_score(output: bytes, source: bytes) -> float:
    """Each output frame against Pillow's composite of the source frame, LANCZOS to the output's size."""
    with Image.open(io.BytesIO(output)) as animation, Image.open(io.BytesIO(source)) as original:
        scores = []
        for index in range(animation.n_frames):
            animation.seek(index)
            original.seek(min(index, original.n_frames - 1))
            frame = animation.convert("RGBA")
            reference = original.convert("RGBA").resize(frame.size, Image.Resampling.LANCZOS)
            scores.append(ssimulacra2.score(reference, frame))
    return statistics.mean(scores)


def run_file(approach: str, path: str) -> None:
    globals()[approach](Path(path).read_bytes())


def generated_gif() -> bytes:
    frames = []
    for index in range(150):
        frame = Image.new("RGB", (480, 360), (235, 235, 230))
        draw = ImageDraw.Draw(frame)
        x = 20 + index * 2
        draw.ellipse((x, 100, x + 120, 220), fill=(200, 60 + index % 100, 40))
        draw.rectangle((300 - index, 250, 380 - index, 330), fill=(40, 90, 200))
        frames.append(frame)
    path = Path(tempfile.gettempdir()) / "bench-animation.gif"
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    return path.read_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    inputs = {name: CORPUS / name for name in ANIMATED if (CORPUS / name).is_file()}
    generated = generated_gif()
    inputs["generated-150-frames.gif"] = Path(tempfile.gettempdir()) / "bench-animation.gif"
    print(
        f"{'input':<30} {'frames':>6} {'ours ms':>8} {'vips ms':>8} {'ours/vips':>9} "
        f"{'RSS ours/vips MB':>17} {'bytes ours':>10} {'bytes vips':>10} {'bytes ratio':>11} "
        f"{'same frames':>11} {'YUV step':>8} {'kept ours/vips':>14} {'score ours/vips':>15}"
    )
    for name, path in inputs.items():
        data = path.read_bytes() if path.is_file() else generated
        with Image.open(path) as opened:
            frames = opened.n_frames
        outputs = {"ours": ours(data), "libvips": libvips(data)}
        times = interleaved_median_ms(
            {"ours": functools.partial(ours, data), "libvips": functools.partial(libvips, data)}, args.rounds
        )
        rss = {approach: peak_rss_mb("bench_animation", "run_file", approach, str(path)) for approach in outputs}
        vips_frames = libvips_frames(data)
        same = our_encoder_on(vips_frames)
        stepped = our_encoder_on([yuv_step(frame) for frame in vips_frames])
        print(
            f"{name:<30} {frames:>6} {times['ours']:>8.0f} {times['libvips']:>8.0f} "
            f"{times['ours'] / times['libvips']:>9.2f} {rss['ours']:>8.0f}/{rss['libvips']:<8.0f} "
            f"{len(outputs['ours']):>10,} {len(outputs['libvips']):>10,} "
            f"{len(outputs['ours']) / len(outputs['libvips']):>11.2f} "
            f"{len(same) / len(outputs['libvips']):>11.2f} {len(stepped) / len(outputs['libvips']):>8.3f} "
            f"{kept(same, vips_frames):>6.1f}/{kept(outputs['libvips'], vips_frames):<7.1f} "
            f"{mean_score(outputs['ours'], data):>7.1f}/{mean_score(outputs['libvips'], data):<7.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
