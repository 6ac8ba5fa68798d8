"""Developer tooling: sample images and the local pipeline. Never shipped in the Lambda zip."""
