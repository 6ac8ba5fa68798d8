"""The four native fast paths: the only code that loads C libraries with ctypes or reaches into Pillow's
internals. Each one is an optimisation with an exact fallback: where what it depends on is absent or differs,
it declines (returns None or False) and the caller decodes through Pillow's public API, with the same pixels
and the same typed errors. What each depends on:

- ``jpeg_rows``: the leading fields of Pillow's ``ImagingCodecStateInstance`` (``src/libImaging/Imaging.h``,
  unchanged since PIL 1.1), read with ctypes to learn how many rows the decoder has written. The layout is
  checked against the decoder's known state before it is trusted; on a mismatch (another Python
  implementation, a free-threaded build, a future Pillow) ``start`` returns None and the JPEG decodes in place.
  Tested: ``tests/unit/test_jpeg_rows.py`` (a decoder whose state does not match is refused).
- ``jpeg_scale``: Pillow's ``ImageFile`` tile list and ``decoderconfig`` (private attributes), to ask libjpeg's
  scaled IDCT for 3/8, a scale ``draft()`` does not offer. When the tile list is not the single JPEG tile it
  expects, it leaves the scale to ``Image.draft`` (1/2, 1/4, 1/8), which may decode in full. Tested:
  ``tests/unit/test_codecs.py``.
- ``png_spng``: libspng 0.7's C API, exported by the extension module of the pinned pyspng wheel, loaded with
  ctypes (neither pyspng's Python module nor NumPy is imported); the version is checked. No library (the
  python3.11 layer has none), another version, or any complaint from libspng: Pillow decodes the PNG.
  Tested: ``tests/unit/test_png_spng.py``.
- ``webp_scaled``: libwebp's advanced decoding API (decoder ABI 0x0209, libwebp 1.0 onwards), found beside
  Pillow's own extension modules. Not found, another ABI, or a refused file: Pillow decodes the WebP at full
  size. Tested: ``tests/unit/test_decode.py`` (no library: the same variants)."""
