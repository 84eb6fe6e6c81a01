"""seedlint: find and fix what makes PyTorch / NumPy training runs non-reproducible."""

__version__ = "0.1.0"
