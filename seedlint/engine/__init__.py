"""The engine: discovery, the per-file pass, the project join, suppression and output."""
