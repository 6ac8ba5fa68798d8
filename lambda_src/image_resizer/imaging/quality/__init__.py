"""The perceptual search behind ``quality: "auto"`` and ``format: "best"``: ``search`` picks each format's
setting for a SSIMULACRA 2 target, ``ssimulacra2`` scores a candidate. The only sub-package that imports NumPy,
and only when a variant asks for it, so cold starts of the fixed-quality path do not pay for it."""
