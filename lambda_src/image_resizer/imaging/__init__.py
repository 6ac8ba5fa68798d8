"""Bytes in, bytes out: decoding, colour, geometry, cropping, resampling, encoding and metadata stripping,
with no knowledge of where the bytes come from or go.

Contract (checked by import-linter, see ``.importlinter``): imports only the shared modules at the package's
top; never ``aws``, ``pipeline``, boto3 or botocore. ``quality`` is the only place NumPy is imported and
``codecs`` the only place native libraries are reached with ctypes or Pillow's internals."""
