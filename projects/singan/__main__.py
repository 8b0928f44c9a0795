"""``python -m singan SUBCOMMAND ...``: the ``singan`` command."""
import sys

from singan.commands import main

if __name__ == '__main__':
    sys.exit(main())
