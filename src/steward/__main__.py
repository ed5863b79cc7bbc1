"""`python -m steward` runs the command line."""

from steward.entrypoints.cli.app import main

main()
