"""What is wrong with a path, in words: loops, links, URLs, special files.

``os.makedirs`` reports a symbolic-link loop as "File exists",
``os.path.exists`` says a dangling link or a URL does not exist, and
``os.path.getsize`` gives 0 for a named pipe or a device; the functions here
name the real problem and the option to change.
"""
import errno
import os
import os.path as osp
import re
import stat
import tempfile

__all__ = ['link_problem', 'describe_missing', 'check_output_dir',
           'is_url', 'url_problem', 'special_file_problem', 'InputFileError',
           'check_input_file']


class InputFileError(ValueError):
    """A path given as an input file that is no readable regular file."""


#: ``scheme://``: a URL, not a local path (``C:\`` has no ``//``).
_URL = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*://')

#: File types that are not regular files, as the message names them.
_SPECIAL = (
    (stat.S_ISFIFO, 'a named pipe (FIFO)'),
    (stat.S_ISCHR, 'a character device'),
    (stat.S_ISBLK, 'a block device'),
    (stat.S_ISSOCK, 'a socket'),
)


def is_url(path: str) -> bool:
    """Whether ``path`` is a URL such as ``https://host/photo.jpg``.

    Args:
        path (str): A path as given.

    Returns:
        bool: It starts with ``scheme://``.
    """
    return bool(_URL.match(os.fspath(path)))


def url_problem(path: str, what: str = 'The file') -> str:
    """The message for a URL given where a local file is read.

    Args:
        path (str): The URL.
        what (str): What the file is, e.g. ``'Image file'``.

    Returns:
        str: That it is a URL, and how to get a local copy.
    """
    name = osp.basename(path.split('?')[0].rstrip('/')) or 'FILE'
    return (f'{what} {path!r} is a URL; only local files are read. Download '
            f'it first (e.g. curl -L -o {name} \'{path}\') and give the '
            'local path.')


def special_file_problem(path: str, what: str = 'The file') -> str:
    """Why ``path`` is no regular file (pipe, device, socket), or ``''``.

    A pipe or a device has no size and may never end, so reading it "as a
    file" would report it empty or read without end.

    Args:
        path (str): An existing path.
        what (str): What the file is, e.g. ``'Image file'``.

    Returns:
        str: The message, or ``''`` for a regular file, a folder or a path
        that cannot be examined.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ''
    for test, kind in _SPECIAL:
        if test(mode):
            return (f'{what} {path!r} is {kind}, not a regular file: it has '
                    'no size and may never end. Save its contents to a file '
                    'and give that path.')
    return ''


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


def describe_missing(path: str, default: str, what: str = 'The path') -> str:
    """The message for a path that cannot be opened.

    Args:
        path (str): The path given.
        default (str): The message when no link is at fault.
        what (str): What the file is, e.g. ``'Image file'``, for the
            message of a URL.

    Returns:
        str: ``default``, the URL message (:func:`url_problem`), or what is
        wrong with a link on the way.
    """
    if is_url(path) and not osp.lexists(path):
        return url_problem(path, what)
    problem = link_problem(path)
    return f'{path!r} cannot be opened: {problem}.' if problem else default


def check_input_file(path: str, what: str, fix: str) -> None:
    """Raise with the true reason unless ``path`` is a readable file.

    The reasons, in order: a URL, a missing path (or a broken link on the
    way), a folder, a pipe / device / socket, an unreadable file.

    Args:
        path (str): The path given.
        what (str): What the file is, e.g. ``'Checkpoint'``.
        fix (str): What to pass instead, appended to the message.

    Returns:
        None

    Raises:
        FileNotFoundError: Missing (or a URL, or a broken link).
        IsADirectoryError: A folder.
        InputFileError: A pipe, device or socket.
        PermissionError: Not readable.
    """
    path = os.fspath(path)
    if not osp.exists(path):
        raise FileNotFoundError(describe_missing(
            path, f'{what} {path!r} does not exist. {fix}', what))
    if osp.isdir(path):
        raise IsADirectoryError(f'{what} {path!r} is a folder, not a file. '
                                f'{fix}')
    special = special_file_problem(path, what)
    if special:
        raise InputFileError(f'{special} {fix}')
    if not os.access(path, os.R_OK):
        raise PermissionError(f'{what} {path!r} cannot be read (permission '
                              f'denied). Check its permissions. {fix}')


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
    if osp.exists(folder) and not osp.isdir(folder):
        raise NotADirectoryError(
            errno.ENOTDIR, f'The folder {folder!r} given with {flag} is a '
            f'file, not a folder. Choose a folder with {flag} (it is created '
            'when missing).')
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise OSError(
            err.errno, f'The folder {folder!r} given with {flag} is not '
            f'writable ({err.strerror}). Choose a writable folder with '
            f'{flag}.') from err
