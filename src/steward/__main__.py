"""`python -m steward` runs the command line."""

from steward.entrypoints.cli.app import main

# Guarded: worker processes started with "spawn" import this module under another name.
if __name__ == "__main__":
    main()
