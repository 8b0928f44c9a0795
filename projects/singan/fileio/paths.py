"""What is wrong with a path, in words: loops, dangling links, bad folders.

``os.makedirs`` reports a symbolic-link loop as "File exists" and
``os.path.exists`` says a dangling link does not exist; the functions here
name the real problem and the option to change.
"""
import errno
import os
import os.path as osp
import tempfile

__all__ = ['link_problem', 'describe_missing', 'check_output_dir']


def link_problem(path: str) -> str:
    """Why ``path`` (or a folder above it) cannot be followed, or ``''``.

    Args:
        path (str): Any path.

    Returns:
        str: ``'... is a symbolic link loop ...'``, ``'... is a symbolic link
        to ..., which does not exist'``, or ``''`` when neither applies.
    """
    current = osp.abspath(path)
    while True:
        if osp.islink(current):
            try:
                os.stat(current)
            except OSError as err:
                target = os.readlink(current)
                if err.errno == errno.ELOOP:
                    return (f'{current!r} is a symbolic link loop (it leads '
                            f'back to itself through {target!r}); replace it '
                            'with a real file or folder')
                if err.errno == errno.ENOENT:
                    return (f'{current!r} is a symbolic link to {target!r}, '
                            'which does not exist; fix or remove the link')
        parent = osp.dirname(current)
        if parent == current:
            return ''
        current = parent


def describe_missing(path: str, default: str) -> str:
    """The message for a path that cannot be opened.

    Args:
        path (str): The path given.
        default (str): The message when no link is at fault.

    Returns:
        str: ``default``, or what is wrong with a link on the way.
    """
    problem = link_problem(path)
    return f'{path!r} cannot be opened: {problem}.' if problem else default


def check_output_dir(folder: str, flag: str) -> None:
    """Create ``folder`` if needed and check that files can be written.

    Args:
        folder (str): The output folder.
        flag (str): The option that set it (``--work-dir``, ``--out-dir``),
            named in the message.

    Returns:
        None
    """
    problem = link_problem(folder)
    if problem:
        raise OSError(errno.ELOOP, f'The folder {folder!r} given with {flag} '
                      f'cannot be used: {problem}, or choose another {flag}.')
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise OSError(
            err.errno, f'The folder {folder!r} given with {flag} is not '
            f'writable ({err.strerror}). Choose a writable folder with '
            f'{flag}.') from err
