"""Command-line error handling shared by the tools.

A bad input must end with one clear line, not a traceback from deep inside
torch. Errors that describe the user's input (bad paths, values, files) are
printed as ``error: ...`` and exit with status 2; set ``SINGAN_DEBUG=1`` to
see the traceback too. Anything else is a bug and keeps its traceback.
"""
import os
import pickle
import sys
import traceback
from typing import Callable

__all__ = ['UserInputError', 'InterruptedRun', 'CfgOptionsAction',
           'format_user_error', 'out_of_memory', 'run_cli']


class UserInputError(ValueError):
    """A problem with what the user gave, with the fix in its message."""


class InterruptedRun(KeyboardInterrupt):
    """Ctrl-C in a run that can be continued; the message says how.

    Only training raises it (``training.train``): a plain Ctrl-C elsewhere
    (testing, the applications) has nothing to resume.
    """


def _dict_action():
    from mmengine.config import DictAction
    return DictAction


class CfgOptionsAction(_dict_action()):
    """mmengine's ``DictAction``, keeping what was typed.

    ``DictAction`` removes every space from a value (``data_root=my
    photos/x.png`` becomes ``myphotos/x.png``); the typed values are kept in
    ``namespace.cfg_options_raw`` so that a path that then does not exist
    can be explained (``config_keys.check_option_paths``). A word without
    ``=`` (the rest of an unquoted path with a space) is refused here,
    instead of failing inside ``DictAction``.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        for value in values:
            if '=' not in value:
                raise UserInputError(
                    f'--cfg-options: {value!r} is not KEY=VALUE. If it is '
                    'the rest of a path with a space, pass the path with '
                    "--image 'PATH' (train.py, test.py, apps.py) or --pkl "
                    "'PATH' instead: --cfg-options does not keep spaces.")
        super().__call__(parser, namespace, values, option_string)
        raw = dict(v.split('=', 1) for v in values)
        setattr(namespace, 'cfg_options_raw', raw)


#: Exceptions whose message is written for the user (refused pickles
#: included: ``UnpicklingError`` names the file and what it asked for).
_USER_ERRORS = (ValueError, OSError, FloatingPointError,
                pickle.UnpicklingError)


def format_user_error(err: BaseException) -> str:
    """The one-line message of a user error.

    mmengine's registry prefixes errors raised while building an object with
    ``class `X` in module.py:``; that is kept, but the message is folded to
    one line and our ``OSError`` messages lose the ``[Errno N]`` prefix.

    Args:
        err (BaseException): The error.

    Returns:
        str: ``error: ...`` on one line.
    """
    if isinstance(err, OSError) and err.strerror and err.filename is None:
        text = err.strerror
    else:
        text = str(err) or type(err).__name__
    return 'error: ' + ' '.join(text.split())


def out_of_memory(err: BaseException) -> bool:
    """Whether ``err`` is torch running out of (GPU or CPU) memory.

    Args:
        err (BaseException): Any error.

    Returns:
        bool: ``torch.OutOfMemoryError`` (CUDA), or the CPU allocator's
        ``RuntimeError`` ("can't allocate memory").
    """
    oom = getattr(sys.modules.get('torch'), 'OutOfMemoryError', None)
    if oom is not None and isinstance(err, oom):
        return True
    return isinstance(err, RuntimeError) and (
        "can't allocate memory" in str(err) or 'out of memory' in str(err))


def run_cli(main: Callable[[], None], oom_fix: str = 'lower the sizes or '
            'counts asked for') -> int:
    """Run a tool's ``main`` and turn user errors into one message.

    Args:
        main (Callable): The tool's entry point.
        oom_fix (str): What to lower when torch runs out of memory.

    Returns:
        int: Exit status: 0 on success, 2 for bad input (and for running
        out of memory), 130 on Ctrl-C.
    """
    try:
        main()
    except KeyboardInterrupt as err:
        how = str(err) if isinstance(err, InterruptedRun) else ''
        print(f'Interrupted. {how}'.strip(), file=sys.stderr)
        return 130
    except (RuntimeError, MemoryError) as err:
        if not (isinstance(err, MemoryError) or out_of_memory(err)):
            raise
        if os.environ.get('SINGAN_DEBUG'):
            traceback.print_exc()
        first = str(err).strip().splitlines()[0] if str(err).strip() else \
            type(err).__name__
        print(f'error: out of memory ({first}). To fit, {oom_fix}. Files '
              'written before (checkpoints, earlier outputs) are intact.',
              file=sys.stderr)
        return 2
    except _USER_ERRORS as err:
        if os.environ.get('SINGAN_DEBUG'):
            traceback.print_exc()
        print(format_user_error(err), file=sys.stderr)
        return 2
    return 0
