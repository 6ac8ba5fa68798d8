"""SSIMULACRA 2, the perceptual metric of the JPEG XL and AVIF communities, after the published algorithm
(libjxl tools/ssimulacra2.cc, April 2023 revision): XYB colour, six scales downsampled in linear RGB, an SSIM
map without the luma denominator, ringing and blurring maps, the 1- and 4-norm of each, 108 tuned weights.

Scores run from 100 (identical) down; the authors' scale: 90 visually lossless in a flicker test at 1:1, 80
"very high quality" (not distinguishable side by side at 1:1), 70 "high quality" (artifacts hard to notice
without the original), 50 medium, 30 low.

NumPy does the arithmetic (imported with this module, which only `quality: auto` imports). The reference's
planes are computed once per variant (`Reference`) and every candidate encoding is scored against them.
The Gaussian is a truncated FIR (sigma 1.5, radius 5) rather than libjxl's recursive approximation of the
same Gaussian; tests/unit/test_ssimulacra2.py measures the agreement with an independent implementation.

Speed: every pass over a 1600 px variant's planes would go to main memory, so the work runs in bands of rows
(products, both blur passes, the error maps and their sums, while a band is in cache), on two threads of the
module's own (the caller may itself be a worker of the render pool). Both halve the time; measured with
`python benchmarks/bench_quality.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, cast

import numpy as np
from numpy.typing import NDArray
from PIL import Image

Planes = NDArray[np.float32]  # (3, height, width)

_OPSIN: Final = np.array(
    [
        [0.30, 0.622, 0.078],
        [0.23, 0.692, 0.078],
        [0.24342268924547819, 0.20476744424496821, 0.55180986650955360],
    ],
    dtype=np.float32,
)
_OPSIN_BIAS: Final = np.float32(0.0037930732552754493)
_CBRT_BIAS: Final = np.cbrt(_OPSIN_BIAS)
_C2: Final = np.float32(0.0009)
_SCALES: Final = 6
MIN_SIDE: Final = 8  # the smallest image the metric has a scale for
_SIGMA: Final = 1.5
_RADIUS: Final = 5
_TAPS: Final = np.exp(-0.5 * (np.arange(0, _RADIUS + 1) / _SIGMA) ** 2)
_KERNEL: Final = (_TAPS / (_TAPS[0] + 2 * _TAPS[1:].sum())).astype(np.float32)
# Linear light for each 8-bit sRGB value (IEC 61966-2-1).
_LINEAR: Final = np.where(
    np.arange(256) / 255 <= 0.04045,
    np.arange(256) / 255 / 12.92,
    ((np.arange(256) / 255 + 0.055) / 1.055) ** 2.4,
).astype(np.float32)
# Alpha is judged over a dark and a light background and the worse score counts: an edge that only shows on
# one background still costs.
_BACKGROUNDS: Final = (0.1, 0.9)

# The 108 weights of the April 2023 revision, in the order: channel (X, Y, B), scale (1:1 .. 1:32), norm (1, 4),
# map (SSIM, ringing, blurring).
_WEIGHTS: Final = np.array(
    [
        0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0, 0.0, 0.0004371155730107379, 0.0,
        1.1041726426657346, 0.00066284834129271, 0.00015231632783718752, 0.0, 0.0016406437456599754, 0.0,
        1.8422455520539298, 11.441172603757666, 0.0, 0.0007989109436015163, 0.000176816438078653, 0.0,
        1.8787594979546387, 10.94906990605142, 0.0, 0.0007289346991508072, 0.9677937080626833, 0.0,
        0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053, 0.0004550992113792063, 0.0, 0.0,
        0.0013648766163243398, 0.0, 0.0, 0.0, 0.0, 0.0, 7.466890328078848, 0.0, 17.445833984131262,
        0.0006235601634041466, 0.0, 0.0, 6.683678146179332, 0.00037724407979611296, 1.027889937768264,
        225.20515300849274, 0.0, 0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
        176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757, 0.0004485436923833408, 0.0, 0.0,
        0.0, 34.77906344483772, 44.835625328877896, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0.0008680556573291698, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0005313191874358747, 0.0, 0.00016533814161379112,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0004179171803251336, 0.0017290828234722833, 0.0, 0.0020827005846636437,
        0.0, 0.0, 8.826982764996862, 23.19243343998926, 0.0, 95.1080498811086, 0.9863978034400682,
        0.9834382792465353, 0.0012286405048278493, 171.2667255897307, 0.9807858872435379, 0.0, 0.0, 0.0,
        0.0005130064588990679, 0.0, 0.00010854057858411537,
    ]
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Scale:
    xyb: Planes
    mean: Planes
    variance: Planes  # plus the SSIM constant
    detail: Planes  # 1 + |xyb - mean|

    @classmethod
    def of(cls, xyb: Planes) -> _Scale:
        _, height, width = xyb.shape
        mean = np.empty_like(xyb)
        variance = np.empty_like(xyb)

        def rows(top: int, bottom: int) -> None:
            padded, inner = _padded_band(xyb, top, bottom, 6)
            padded[:3, inner] = xyb[:, _halo(top, bottom, height)]
            np.multiply(padded[:3, inner], padded[:3, inner], out=padded[3:, inner])
            blurred = _blur_band(padded, bottom - top, width)
            mean[:, top:bottom] = blurred[:3]
            np.subtract(blurred[3:], blurred[:3] * blurred[:3], out=variance[:, top:bottom])

        _in_bands(height, rows)
        variance += _C2
        detail = np.abs(xyb - mean)
        detail += 1
        return cls(xyb, mean, variance, detail)


class Reference:
    """The undistorted variant, prepared once; ``score`` compares a candidate of the same size with it."""

    def __init__(self, image: Image.Image) -> None:
        self.size = image.size
        self._alpha = image.mode in ("RGBA", "LA") and _lowest_alpha(image) < 255
        self._scales = [[_Scale.of(xyb) for xyb in _pyramid(linear)] for linear in _linear_planes(image, self._alpha)]

    def score(self, candidate: Image.Image) -> float:
        if candidate.size != self.size:
            raise ValueError(f"sizes differ: {candidate.size} against {self.size}")
        return min(
            _score(reference, _pyramid(linear))
            for reference, linear in zip(self._scales, _linear_planes(candidate, self._alpha), strict=True)
        )


def _lowest_alpha(image: Image.Image) -> int:
    return cast(tuple[int, int], image.getchannel("A").getextrema())[0]


def score(reference: Image.Image, candidate: Image.Image) -> float:
    return Reference(reference).score(candidate)


def _linear_planes(image: Image.Image, alpha: bool) -> list[Planes]:
    """Linear-light RGB planes; with ``alpha``, one per background the image is composited on."""
    rgb = _LINEAR[np.asarray(image.convert("RGB"))].transpose(2, 0, 1)
    if not alpha:
        return [np.ascontiguousarray(rgb)]
    opacity = np.asarray(image.getchannel("A"), dtype=np.float32) / 255
    return [np.ascontiguousarray(rgb * opacity + background * (1 - opacity)) for background in _BACKGROUNDS]


def _pyramid(linear: Planes) -> list[Planes]:
    """XYB at each scale. As in the reference, a scale is skipped only when the one it halves is under 8 px:
    a 160 px side still gets its 5 px sixth scale."""
    levels = []
    for scale in range(_SCALES):
        if linear.shape[1] < MIN_SIDE or linear.shape[2] < MIN_SIDE:
            break
        if scale:
            linear = _downsample(linear)
        levels.append(_xyb(linear))
    return levels


def _xyb(linear: Planes) -> Planes:
    """XYB, shifted and scaled into about 0..1 as the metric expects (X*14+0.42, Y+0.01, B-Y+0.55)."""
    out = np.empty_like(linear)

    def rows(top: int, bottom: int) -> None:
        mixed = np.tensordot(_OPSIN, linear[:, top:bottom], axes=1)
        mixed += _OPSIN_BIAS
        np.maximum(mixed, 0, out=mixed)
        np.cbrt(mixed, out=mixed)
        mixed -= _CBRT_BIAS
        y = out[1, top:bottom]
        np.add(mixed[0], mixed[1], out=y)
        y *= np.float32(0.5)
        np.subtract(mixed[2], y, out=out[2, top:bottom])
        out[2, top:bottom] += np.float32(0.55)
        np.subtract(mixed[0], mixed[1], out=out[0, top:bottom])
        out[0, top:bottom] *= np.float32(7)  # 14 x (m0 - m1) / 2
        out[0, top:bottom] += np.float32(0.42)
        y += np.float32(0.01)

    _in_bands(linear.shape[1], rows)
    return out


def _downsample(linear: Planes) -> Planes:
    """2x2 means; an odd last row or column averages with itself, as the reference does."""
    _, height, width = linear.shape
    if height % 2:
        linear = np.concatenate([linear, linear[:, -1:]], axis=1)
    if width % 2:
        linear = np.concatenate([linear, linear[:, :, -1:]], axis=2)
    quads = linear.reshape(3, linear.shape[1] // 2, 2, linear.shape[2] // 2, 2)
    means: Planes = quads.mean(axis=(2, 4), dtype=np.float32)
    return means


_BAND_ROWS: Final = 32
_THREADS: Final = 2
_pool: ThreadPoolExecutor | None = None


def _in_bands(height: int, work: Callable[[int, int], object]) -> list[object]:
    """``work(top, bottom)`` over bands of rows, the upper and lower half of the image on one thread each."""
    global _pool  # noqa: PLW0603 - one pool per process, created on first use
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="ssimulacra2")
    middle = (height + 1) // 2

    def half(start: int, stop: int) -> list[object]:
        return [work(top, min(stop, top + _BAND_ROWS)) for top in range(start, stop, _BAND_ROWS)]

    upper = _pool.submit(half, 0, middle)
    lower = half(middle, height)
    return upper.result() + lower


def _halo(top: int, bottom: int, height: int) -> slice:
    return slice(max(0, top - _RADIUS), min(height, bottom + _RADIUS))


def _padded_band(planes: Planes, top: int, bottom: int, count: int) -> tuple[NDArray[np.float32], slice]:
    """Room for ``count`` planes of rows top..bottom with the blur's halo, zero beyond the image (as the
    reference's filter treats the top and bottom), and where the image's rows go in it."""
    height = planes.shape[1]
    padded = np.zeros((count, bottom - top + 2 * _RADIUS, planes.shape[2]), np.float32)
    halo = _halo(top, bottom, height)
    start = halo.start - (top - _RADIUS)
    return padded, slice(start, start + halo.stop - halo.start)


def _blur_band(padded: NDArray[np.float32], rows: int, width: int) -> NDArray[np.float32]:
    """The separable Gaussian of a padded band: zero above and below, mirrored beyond the sides."""
    r = _RADIUS
    out: NDArray[np.float32] = padded[:, r : r + rows] * _KERNEL[0]
    pair = np.empty_like(out)
    for k in range(1, r + 1):
        np.add(padded[:, r - k : r - k + rows], padded[:, r + k : r + k + rows], out=pair)
        pair *= _KERNEL[k]
        out += pair
    if width > r:
        sides = np.empty((out.shape[0], rows, width + 2 * r), np.float32)
        sides[:, :, r : r + width] = out
        sides[:, :, :r] = out[:, :, r - 1 :: -1]
        sides[:, :, r + width :] = out[:, :, width - 1 : width - r - 1 : -1]
    else:  # the smallest scales of a narrow image: the mirror folds more than once
        sides = np.pad(out, ((0, 0), (0, 0), (r, r)), mode="symmetric")
    np.multiply(sides[:, :, r : r + width], _KERNEL[0], out=out)
    for k in range(1, r + 1):
        np.add(sides[:, :, r - k : r - k + width], sides[:, :, r + k : r + k + width], out=pair)
        pair *= _KERNEL[k]
        out += pair
    return out


def _level_sums(ref: _Scale, xyb: Planes) -> NDArray[np.float64]:
    """Per channel, the sum and the sum of fourth powers of each error map (SSIM, ringing, blurring)."""
    _, height, width = xyb.shape

    def rows(top: int, bottom: int) -> NDArray[np.float64]:
        padded, inner = _padded_band(xyb, top, bottom, 9)
        halo = _halo(top, bottom, height)
        padded[:3, inner] = xyb[:, halo]
        np.multiply(padded[:3, inner], padded[:3, inner], out=padded[3:6, inner])
        np.multiply(padded[:3, inner], ref.xyb[:, halo], out=padded[6:, inner])
        blurred = _blur_band(padded, bottom - top, width)
        mean, structure, product = blurred[:3], blurred[3:6], blurred[6:]
        ref_mean = ref.mean[:, top:bottom]
        # In place: 2 (s12 - mu1 mu2) + C2 over (s11 - mu1^2) + (s22 - mu2^2) + C2.
        structure -= mean * mean
        structure += ref.variance[:, top:bottom]
        product -= ref_mean * mean
        product *= 2
        product += _C2
        np.divide(product, structure, out=structure)
        ssim = ref_mean - mean
        ssim *= ssim
        np.subtract(1, ssim, out=ssim)
        ssim *= structure
        np.subtract(1, ssim, out=ssim)
        np.maximum(ssim, 0, out=ssim)
        edges = xyb[:, top:bottom] - mean
        np.abs(edges, out=edges)
        edges += 1
        edges /= ref.detail[:, top:bottom]
        edges -= 1
        sums = np.empty((3, 2, 3))
        for index, error in enumerate((ssim, np.maximum(edges, 0), np.maximum(-edges, 0))):
            flat = error.reshape(3, -1)
            sums[:, 0, index] = flat.sum(axis=1)
            flat *= flat
            flat *= flat
            sums[:, 1, index] = flat.sum(axis=1)
        return sums

    total: NDArray[np.float64] = np.sum(_in_bands(height, rows), axis=0)  # type: ignore[arg-type]
    return total


def _score(reference: list[_Scale], candidate: list[Planes]) -> float:
    features = np.zeros((3, _SCALES, 2, 3))  # channel, scale, norm, map
    for level, (ref, xyb) in enumerate(zip(reference, candidate, strict=True)):
        sums = _level_sums(ref, xyb) / (xyb.shape[1] * xyb.shape[2])
        features[:, level, 0] = sums[:, 0]
        features[:, level, 1] = np.sqrt(np.sqrt(sums[:, 1]))
    return combine(features)


def combine(features: NDArray[np.float64]) -> float:
    """The score from the (channel, scale, norm, map) features, scales that a small image does not have left
    at zero. Where a side is 112 px or less the reference has five scales or fewer and takes its weights in
    order, as many as there are features, so that the Y and B channels get weights tuned for other positions
    (a 100x90 JPEG at quality 55 scores 8 that way, 63 this way): each weight stays on its own feature here.
    Images over 112 px on both sides score as in the reference."""
    total = float(np.dot(_WEIGHTS, features.ravel())) * 0.9562382616834844
    total = 2.326765642916932 * total - 0.020884521182843837 * total**2 + 6.248496625763138e-05 * total**3
    return 100.0 - 10.0 * total**0.6276336467831387 if total > 0 else 100.0
