"""A stand-in for the hashicorp/aws Terraform provider, for tests only (never shipped, never in a user's path).

Terraform installs it from a filesystem mirror (``install``) as ``registry.terraform.io/hashicorp/aws`` at the pinned
version; it serves that release's full typed schema (``pipeline_dev.provider_schema``) over the plugin protocol 6
(``server``, ``protocol``), plans configured values as given and computed ones as unknown, and applies with
plausible values (``shapes``), so Terraform core itself can validate, plan and apply this repository offline."""
