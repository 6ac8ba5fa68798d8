"""One upload's work, from the object's facts to what is published: which variants are due (settings, the
upload's own overrides), rendering them through ``imaging``, writing them through ``aws.storage`` without ever
replacing a newer or better one, and the manifest with its placeholders.

Contract (checked by import-linter, see ``.importlinter``): imports ``imaging``, ``aws`` and the shared modules
at the package's top (``variants``, ``limits``, ``errors``, ``arriving``); never an entry point."""
