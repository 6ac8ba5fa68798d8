"""The typed errors of the pipeline.

The class names are part of the contract: Lambda reports them as ``errorType`` and Step Functions uses them as
error names in the state machine's Retry/Catch lists (``tests/static`` keeps the ASL in sync with this module).
Only :class:`TransientError` is worth retrying; every other error is permanent.
"""

from __future__ import annotations


class ImageResizerError(Exception):
    """Base class of every error this package raises on purpose."""

    retryable: bool = False

    @property
    def error_type(self) -> str:
        return type(self).__name__


class PermanentError(ImageResizerError):
    """Retrying cannot help: the input, the image or the configuration is wrong."""


class ConfigurationError(PermanentError):
    """The function's settings (environment, variants) are invalid."""


class InvalidRequestError(PermanentError):
    """The event or request does not name an object this function may process."""


class SourceNotFoundError(PermanentError):
    """The original object does not exist (or is not readable by this function)."""


class UnsupportedImageError(PermanentError):
    """The object is not an image in a format we decode (SVG, PDF, text, 12-bit JPEG, ...)."""


class ImageTooLargeError(PermanentError):
    """The object exceeds the byte or pixel limits (including decompression bombs)."""


class CorruptImageError(PermanentError):
    """The object claims a supported format but cannot be decoded completely."""


class TransientError(ImageResizerError):
    """A passing fault (throttling, 5xx, network) that survived botocore's own retries."""

    retryable = True


PERMANENT_ERRORS: tuple[type[PermanentError], ...] = (
    ConfigurationError,
    InvalidRequestError,
    SourceNotFoundError,
    UnsupportedImageError,
    ImageTooLargeError,
    CorruptImageError,
)
RETRYABLE_ERRORS: tuple[type[ImageResizerError], ...] = (TransientError,)
