"""Adapters: the concrete database, artifact store and capture code behind the service ports."""
