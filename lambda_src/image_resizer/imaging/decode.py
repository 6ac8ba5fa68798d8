"""Safe decoding: identify by content, enforce limits from the header, then decode once at a reduced scale."""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import io
import math
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from PIL import Image, ImageFile, TiffImagePlugin, UnidentifiedImageError, WebPImagePlugin  # noqa: F401  (register openers)

from image_resizer.arriving import ArrivingBytes
from image_resizer.errors import CorruptImageError, ImageResizerError, ImageTooLargeError, UnsupportedImageError
from image_resizer.imaging.codecs import jpeg_rows, jpeg_scale, png_spng, webp_scaled
from image_resizer.limits import Limits, estimated_peak_mb

# HEIC/HEIF through the decoder-only plugin; without it HEIC is reported as unsupported. Registered when an
# ISO base media file (an ftyp box first) is opened: importing it costs every other command and cold start 6 ms.
HEIF_SUPPORTED: Final = importlib.util.find_spec("pi_heif") is not None

SUPPORTED_INPUT_FORMATS: Final = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "AVIF") + (
    ("HEIF",) if HEIF_SUPPORTED else ()
)

# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose does).
_ORIENTATION_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION_TAG: Final = 0x0112
# A still WebP goes through libwebp's scaler when the variants need less than this share of its width: below
# that the saving (memory, and the resample's work) is worth a second resampling step.
_WEBP_SCALED_MAX_FACTOR: Final = 0.8

_ISO_21496_SIGNATURE: Final = b"urn:iso:std:iso:ts:21496:-1"
_XMP_SIGNATURE: Final = b"http://ns.adobe.com/xap/1.0/"
_GAIN_MAP_XMP: Final = b"http://ns.adobe.com/hdr-gain-map/1.0/"

# Signatures of formats we recognise but do not decode, for a precise error message.
_FOREIGN_SIGNATURES: Final = (
    (b"%PDF", "PDF"),
    (b"8BPS", "PSD"),
    (b"%!PS", "PostScript/EPS"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"qoif", "QOI"),
)
_SUPPORTED_SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
# Formats whose decoders read their input front to back: they start before the whole object has arrived.
# The others (WebP through libwebp, animations, TIFF's and HEIF's containers) get the whole object.
_STREAMED_SIGNATURES: Final = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
# JPEGs in these modes are resampled while they decode: to_resizable_mode() keeps RGB and L as they are (a
# conversion would read every row first), and YCbCr is decoded only for a render that resamples it as planes.
_ROWS_FIRST_MODES: Final = ("RGB", "L", "YCbCr")


@dataclass(frozen=True, slots=True)
class SourceImage:
    """An opened (not yet decoded) source with the facts read from its header."""

    image: Image.Image
    format: str
    width: int  # upright, after EXIF orientation
    height: int
    orientation: int
    frames: int
    # An HDR gain map rides along (Ultra HDR, ISO 21496-1, an MPF secondary image): variants are rendered
    # from the SDR primary and the gain map is never copied.
    gain_map: bool = False
    body: ArrivingBytes = field(default_factory=lambda: ArrivingBytes.complete(b""), repr=False)

    @property
    def transposes(self) -> bool:
        return self.orientation in (5, 6, 7, 8)

    @property
    def data(self) -> bytes:
        """The whole encoded file (libwebp's scaler, animations and the strip passthrough read it)."""
        return self.body.whole()


# What Pillow and its plugins raise on malformed data while they parse a source (headers, IFD chains, frame
# counts, chunk tables, EXIF, ICC and XMP blocks). Mapped to CorruptImageError where the source is parsed, and
# nowhere else: any other exception is a bug of ours and stays one (with its traceback and UnexpectedErrors).
MALFORMED_DATA: Final = (
    SyntaxError,
    TypeError,
    ValueError,
    struct.error,
    IndexError,
    KeyError,
    EOFError,
    ZeroDivisionError,
    OSError,
    OverflowError,
    RecursionError,
    RuntimeError,  # Pillow's AVIF plugin and pi-heif report undecodable data so ("Failed to decode image")
)


@contextmanager
def parsing(what: str) -> Iterator[None]:
    """Malformed data met while reading ``what`` of the source is the input's fault: CorruptImageError."""
    try:
        yield
    except ImageResizerError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"decompression bomb refused: {exc}") from exc
    except MALFORMED_DATA as exc:
        raise CorruptImageError(f"cannot read the {what}: {type(exc).__name__}: {exc}") from exc


def open_source(data: bytes | ArrivingBytes, limits: Limits) -> SourceImage:
    """Open the object lazily and check it against ``limits``; no pixel data is decoded yet. A JPEG or PNG
    still arriving is opened as it arrives; its decode reads the rest as it comes."""
    body = data if isinstance(data, ArrivingBytes) else ArrivingBytes.complete(data)
    if not body.size:
        raise CorruptImageError("the object is empty (0 bytes)")
    if body.size > limits.max_source_bytes:
        raise ImageTooLargeError(f"the object has {body.size} bytes; the limit is {limits.max_source_bytes}")
    head = body.read_at(0, 8)
    streamed = head.startswith(_STREAMED_SIGNATURES)
    formats = _formats_for(head)
    try:
        with warnings.catch_warnings():
            # We enforce our own pixel limit below; Pillow's hard limit still raises DecompressionBombError.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            fp = body.reader() if streamed else io.BytesIO(body.whole())
            image = Image.open(fp, formats=formats)
    except ImageResizerError:
        raise  # the download failed (TransientError) or outgrew the limit: not the image's fault
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"decompression bomb refused: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise _unidentified(body.whole()) from exc
    except ValueError as exc:
        if "Decompressed data too large" in str(exc):
            raise ImageTooLargeError(f"metadata decompression bomb refused: {exc}") from exc
        raise CorruptImageError(f"cannot read the image header: {exc}") from exc
    except MALFORMED_DATA as exc:  # Pillow's plugins raise many types on hostile headers.
        raise CorruptImageError(f"cannot read the image header: {type(exc).__name__}: {exc}") from exc

    width, height = image.size
    if width < 1 or height < 1:
        raise CorruptImageError(f"the header declares an empty image ({width}x{height})")
    if width * height > limits.max_source_pixels:
        raise ImageTooLargeError(
            f"the image is {width}x{height} = {width * height} pixels; the limit is {limits.max_source_pixels}"
        )
    if image.format in ("JPEG", "MPO") and _jpeg_scan_bytes(body) < _min_jpeg_scan_bytes(width, height):
        raise CorruptImageError(
            f"the JPEG declares {width}x{height} but holds almost no image data (premature end of data)"
        )
    orientation = read_orientation(image)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    fmt = "JPEG" if image.format == "MPO" else str(image.format)
    with parsing(f"{fmt} frame table"):  # a TIFF's IFD chain, a GIF's blocks: walked to count the frames
        frames = getattr(image, "n_frames", 1)
    with parsing(f"{fmt} metadata"):
        gain_map = has_gain_map(image)
    return SourceImage(image, fmt, width, height, orientation, frames, gain_map, body)


def _formats_for(head: bytes) -> tuple[str, ...]:
    """The formats Pillow may try; AVIF's and HEIF's openers are registered only for an ISO base media file
    (an ftyp box first): loading libavif costs every other command and cold start 2 ms, pi_heif 6."""
    if head[4:8] != b"ftyp":
        return tuple(f for f in SUPPORTED_INPUT_FORMATS if f not in ("AVIF", "HEIF"))
    _register_iso_media_openers()
    return SUPPORTED_INPUT_FORMATS


@functools.cache
def _register_iso_media_openers() -> None:
    from PIL import AvifImagePlugin  # noqa: F401  (registers its opener)

    if HEIF_SUPPORTED:
        import pi_heif

        pi_heif.register_heif_opener()


def has_gain_map(image: Image.Image) -> bool:
    """A JPEG that carries an HDR gain map: Ultra HDR's XMP (``hdrgm``), the ISO 21496-1 APP2 segment, or an
    MPF secondary image of undefined type (Apple and Android write theirs so; stereo pairs and preview
    thumbnails have types of their own)."""
    if image.format not in ("JPEG", "MPO"):
        return False
    for marker, content in getattr(image, "applist", ()):
        if marker == "APP2" and content.startswith(_ISO_21496_SIGNATURE):
            return True
        if marker == "APP1" and content.startswith(_XMP_SIGNATURE) and _GAIN_MAP_XMP in content:
            return True
    if image.format != "MPO":
        return False
    try:
        entries = image.mpinfo.get(0xB002, [])  # type: ignore[attr-defined]
        return any(entry["Attribute"]["MPType"] == "Undefined" for entry in entries[1:])
    except (AttributeError, KeyError, TypeError):
        return False


def read_orientation(image: Image.Image) -> int:
    """The EXIF orientation 1-8; malformed or missing EXIF counts as 1 (upright), never as an error.

    Never loads pixels: Pillow's PNG getexif() decodes the whole image to look for an eXIf chunk after the
    image data, which would defeat the memory check. Such a late chunk is read after decoding
    (:func:`late_orientation`)."""
    if getattr(image, "format", None) == "PNG" and "exif" not in image.info:
        return 1
    try:
        value = image.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except MALFORMED_DATA:  # Broken IFDs, bad text chunks: carry on unrotated.
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def late_orientation(source: SourceImage, decoded: Image.Image) -> SourceImage:
    """After a PNG is decoded, an eXIf chunk that followed the image data is known: the source as it then is."""
    if source.format != "PNG" or source.orientation != 1:
        return source
    orientation = read_orientation(decoded)
    if orientation == 1:
        return source
    width, height = (source.height, source.width) if orientation in (5, 6, 7, 8) else (source.width, source.height)
    return dataclasses.replace(source, orientation=orientation, width=width, height=height)


def check_memory(source: SourceImage, min_upright_size: tuple[int, int], limits: Limits) -> None:
    """Refuse, typed, an image whose decode would not fit the function's memory (rather than be OOM-killed)."""
    if limits.memory_mb is None:
        return
    pixels = source.width * source.height
    source_format = source.format
    if source.image.format in ("JPEG", "MPO"):
        needed = max(min_upright_size[0] / source.width, min_upright_size[1] / source.height)
        scale = next((s for s in (8, 4, 2) if needed * s <= 1), 1)  # draft()'s; 3/8 (jpeg_scale) is smaller
        pixels //= scale * scale
    elif _webp_scaled_size(source, min_upright_size) is not None:
        width, height = _webp_scaled_size(source, min_upright_size) or (0, 0)
        pixels, source_format = width * height, "scaled WebP"  # libwebp keeps a few rows besides the output
    has_alpha = "A" in source.image.mode or "transparency" in source.image.info
    estimate = estimated_peak_mb(source_format, has_alpha, pixels) + jpeg_coefficient_bytes(source.image) / 1024**2
    if estimate > limits.memory_mb:
        raise ImageTooLargeError(
            f"decoding this {source.width}x{source.height} {source.format} needs about {estimate:.0f} MB; "
            f"the function has {limits.memory_mb} MB (raise its memory or lower MAX_SOURCE_PIXELS)"
        )


def jpeg_coefficient_bytes(image: Image.Image) -> int:
    """What libjpeg holds besides the pixels for a progressive JPEG: every DCT coefficient of the whole image
    until the last scan (jdcoefct.c's whole-image virtual arrays), 64 16-bit coefficients per 8x8 block of each
    component at its stored size, whatever scale the decode then produces. 0 for a baseline JPEG, which is
    decoded scan line by scan line."""
    if image.format not in ("JPEG", "MPO") or not (image.info.get("progressive") or image.info.get("progression")):
        return 0
    components = getattr(image, "layer", None) or []
    if not components:
        return 0
    h_max = max(h for _, h, _, _ in components) or 1
    v_max = max(v for _, _, v, _ in components) or 1
    width, height = image.size
    blocks = sum(
        math.ceil(math.ceil(width * h / h_max) / 8) * math.ceil(math.ceil(height * v / v_max) / 8)
        for _, h, v, _ in components
    )
    return int(blocks) * 64 * 2


class Decoding(NamedTuple):
    """A decode under way: ``image`` has its final size, mode and info; with ``rows`` its pixels are still being
    written on another thread, and only rows ``rows.wait`` has announced may be read until ``rows.wait_all``."""

    image: Image.Image
    scale: tuple[float, float]
    rows: jpeg_rows.DecodingRows | None


def decode(source: SourceImage, min_upright_size: tuple[int, int]) -> tuple[Image.Image, tuple[float, float]]:
    """:func:`start_decode`, waited for."""
    decoding = start_decode(source, min_upright_size, streamed=False)
    return decoding.image, decoding.scale


def start_decode(
    source: SourceImage, min_upright_size: tuple[int, int], streamed: bool, luma_chroma: bool = False
) -> Decoding:
    """Decode the first frame at the smallest size that still covers ``min_upright_size``: a JPEG at a DCT
    scale (jpeg_scale.py), a still WebP at any size through libwebp's scaler (webp_scaled.py), an 8-bit RGB(A)
    PNG through libspng (png_spng.py).

    Returns the pixels and their scale: decoded pixels per source pixel, per axis, in stored orientation. A
    DCT-scaled JPEG covers the source at exactly its scale, its last row and column only partly (libjpeg
    rounds the size up), so resampling must map source coordinates by the scale, not by the ratio
    of the two sizes. Pixels stay in stored orientation: turning a small variant upright is cheaper than the
    whole decode.

    ``streamed``: an RGB or grey JPEG is decoded on a thread of its own (jpeg_rows.py), its rows usable
    as they come. ``luma_chroma``: a colour JPEG decodes to YCbCr (luma_chroma.py); check the mode."""
    image = source.image
    scaled_size = _webp_scaled_size(source, min_upright_size)
    if scaled_size is not None:
        scaled = webp_scaled.decode_scaled(source.data, scaled_size, image.mode == "RGBA")
        if scaled is not None:
            scaled.info = dict(image.info)  # the ICC profile and EXIF travel as they do from Pillow's decode
            return Decoding(scaled, (scaled_size[0] / image.width, scaled_size[1] / image.height), None)
    if source.format == "PNG":
        spng = png_spng.decode(source.body, image)
        if spng is not None:
            return Decoding(spng, (1.0, 1.0), None)
    stored_size = _stored(source, min_upright_size)
    dct_scale = jpeg_scale.draft(image, stored_size, luma_chroma) if image.format in ("JPEG", "MPO") else 1
    scale = (dct_scale, dct_scale)

    def failure(exc: Exception) -> BaseException:
        return _decoding_failure(source.format, exc)

    try:
        image.seek(0)
        if streamed and isinstance(image, ImageFile.ImageFile) and image.mode in _ROWS_FIRST_MODES:
            rows = jpeg_rows.start(image, failure)
            if rows is not None:
                return Decoding(image, scale, rows)
        image.load()
    except (ImageResizerError, Image.DecompressionBombError, *MALFORMED_DATA) as exc:
        error = failure(exc)
        if error is exc:
            raise
        raise error from exc
    return Decoding(image, scale, None)


def _decoding_failure(source_format: str, exc: Exception) -> BaseException:
    """The typed error for a decode that failed with ``exc`` (its cause)."""
    if isinstance(exc, ImageResizerError):
        return exc  # the download failed while the decoder read it, or outgrew the limit
    if isinstance(exc, Image.DecompressionBombError):
        error: ImageResizerError = ImageTooLargeError(f"decompression bomb refused: {exc}")
    elif isinstance(exc, OSError | SyntaxError | ValueError | EOFError):
        error = CorruptImageError(f"cannot decode the {source_format} data: {exc}")
    else:
        error = CorruptImageError(f"cannot decode the {source_format} data: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


def _stored(source: SourceImage, upright_size: tuple[int, int]) -> tuple[int, int]:
    width, height = upright_size
    return (height, width) if source.transposes else (width, height)


def _webp_scaled_size(source: SourceImage, min_upright_size: tuple[int, int]) -> tuple[int, int] | None:
    """The size a still WebP is decoded at by libwebp's scaler (one factor for both axes, covering
    ``min_upright_size``), or None where it is decoded whole: other formats, animations, no smaller size
    needed, or no libwebp to call."""
    image = source.image
    if source.format != "WEBP" or source.frames > 1 or image.mode not in ("RGB", "RGBA"):
        return None
    needed_w, needed_h = _stored(source, min_upright_size)
    factor = max(needed_w / image.width, needed_h / image.height)
    if factor >= _WEBP_SCALED_MAX_FACTOR or not webp_scaled.available():
        return None
    return max(1, math.ceil(image.width * factor)), max(1, math.ceil(image.height * factor))


def upright_transpose(orientation: int) -> Image.Transpose | None:
    """The transpose that turns stored pixels upright for an EXIF orientation (None when already upright)."""
    return _ORIENTATION_TRANSPOSE.get(orientation)


def _unidentified(data: bytes) -> UnsupportedImageError | CorruptImageError:
    head = data[:64]
    stripped = head.lstrip()
    if stripped.startswith((b"<svg", b"<?xml", b"<!DOCTYPE svg")):
        return UnsupportedImageError("SVG (vector) images are not supported; upload a raster image")
    for signature, name in _FOREIGN_SIGNATURES:
        if head.startswith(signature):
            return UnsupportedImageError(f"{name} is not a supported input format")
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc") and not HEIF_SUPPORTED:
        return UnsupportedImageError("HEIC/HEIF is not supported by this build")
    if head.startswith(b"\xff\xd8\xff") and _jpeg_precision(data) not in (None, 8):
        return UnsupportedImageError(f"{_jpeg_precision(data)}-bit JPEG is not supported (only 8-bit)")
    for signature, name in _SUPPORTED_SIGNATURES:
        if head.startswith(signature):
            return CorruptImageError(f"the data starts like {name} but is not a valid {name} image")
    supported = ", ".join(SUPPORTED_INPUT_FORMATS)
    return UnsupportedImageError(f"not a recognised image format (supported: {supported})")


def _min_jpeg_scan_bytes(width: int, height: int) -> int:
    """A floor far below any real JPEG: every 8x8 luma block costs at least one bit of Huffman-coded DC data
    (two, once its end-of-block is coded), and this allows an eighth of that. libjpeg fills what is missing
    with grey and only warns, so without this a header with no scan data renders as a flat grey picture."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    return blocks // 64


def _jpeg_scan_bytes(body: ArrivingBytes) -> int:
    """Bytes from the first start-of-scan marker to the end (0 when there is none), without waiting for the
    end: Pillow has read the header through that marker, and the length is the declared one."""
    start = body.find(b"\xff\xda")
    return 0 if start < 0 else body.size - start


def _jpeg_precision(data: bytes) -> int | None:
    """Sample precision from the first SOFn marker, or None when no frame header is found."""
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return data[pos + 4]
        pos += 2 + length
    return None
