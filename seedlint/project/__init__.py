"""Per-file facts (plain, cacheable data) and the project-level join over them."""
