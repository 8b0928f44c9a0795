"""Command-line error handling shared by the tools.

A bad input must end with one clear line, not a traceback from deep inside
torch. Errors that describe the user's input (bad paths, values, files) are
printed as ``error: ...`` and exit with status 2; set ``SINGAN_DEBUG=1`` to
see the traceback too. Anything else is a bug and keeps its traceback.
"""
import os
import sys
import traceback
from typing import Callable

__all__ = ['UserInputError', 'run_cli']


class UserInputError(ValueError):
    """A problem with what the user gave, with the fix in its message."""


#: Exceptions whose message is written for the user.
_USER_ERRORS = (ValueError, OSError, FloatingPointError)


def run_cli(main: Callable[[], None]) -> int:
    """Run a tool's ``main`` and turn user errors into one message.

    Args:
        main (Callable): The tool's entry point.

    Returns:
        int: Exit status: 0 on success, 2 for bad input, 130 on Ctrl-C.
    """
    try:
        main()
    except KeyboardInterrupt:
        print('Interrupted. Continue with --resume.', file=sys.stderr)
        return 130
    except _USER_ERRORS as err:
        if os.environ.get('SINGAN_DEBUG'):
            traceback.print_exc()
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0
