"""Ways in: the command line now, the HTTP API and web dashboard later."""
