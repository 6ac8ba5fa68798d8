"""The adapters to AWS: S3 reads and conditional writes (``storage``), the shapes of S3, EventBridge and
Step Functions events (``events``), logs and metrics through Powertools (``observability``) and the one price
list every cost figure uses (``pricing``).

Contract (checked by import-linter, see ``.importlinter``): imports only the shared modules at the package's
top; never ``imaging`` or ``pipeline``."""
