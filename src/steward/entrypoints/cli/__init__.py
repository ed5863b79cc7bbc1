"""The `steward` command line (Typer + Rich), in noun-verb form."""
