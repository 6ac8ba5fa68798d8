"""Event-driven image resizing: a pure imaging core, S3/event adapters, a Lambda handler and a CLI."""

__version__ = "0.1.0"
