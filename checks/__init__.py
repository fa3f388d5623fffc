"""Built-in rule packs and dated legal data (YAML). Installed as ``codelint.checks``."""
