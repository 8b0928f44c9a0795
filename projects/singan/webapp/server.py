"""The two functions ``singan app`` calls: its arguments, and the server.

    singan app [--host 127.0.0.1] [--port 7860] [--jobs-dir work_dirs/app]
               [--max-jobs N] [--test-schedule MAX_SIZE:ITERS]
               [--model WORK_DIR_OR_CKPT [--pkl PKL] [--image IMAGE]]

``--model`` opens a model trained elsewhere as a finished job
(``webapp/opened.py``).

``--test-schedule`` trains every job at a tiny size and schedule instead
of the preset's (``singan train --max-size MAX_SIZE --iters-per-scale
ITERS``): for tests and quick looks at the page, not for results.
"""
import argparse
import os
import os.path as osp
import socket
from typing import Optional, Tuple

from ..cli import UserInputError
from ..resources import sample_image_dirs
from .jobs import JobStore, default_max_jobs

__all__ = ['add_arguments', 'run', 'parse_schedule', 'check_port']


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``singan app`` to ``parser``.

    Args:
        parser (argparse.ArgumentParser): The sub-command's parser.

    Returns:
        None
    """
    parser.add_argument('--host', default='127.0.0.1', help='address to '
                        'serve on (0.0.0.0: every interface; default: this '
                        'machine only)')
    parser.add_argument('--port', type=int, default=7860, help='port')
    parser.add_argument('--jobs-dir', default=osp.join('work_dirs', 'app'),
                        help='where jobs (uploads, training runs, outputs) '
                        'are kept (default: work_dirs/app)')
    parser.add_argument('--max-jobs', type=int, default=default_max_jobs(),
                        help='trainings at a time; more are refused with a '
                        'busy message (default: one per two CPU cores, '
                        f'here {default_max_jobs()})')
    parser.add_argument('--test-schedule', metavar='MAX_SIZE:ITERS',
                        help='train every job tiny (e.g. 40:4: finest scale '
                        '40 px, 4 iterations per scale) instead of the '
                        "preset's schedule; for tests")
    parser.add_argument('--model', metavar='WORK_DIR_OR_CKPT',
                        help='open a trained model in the page: a work dir, '
                        "a checkpoint (ours or mmagic's) or the --out-dir "
                        'of tools/import_authors.py')
    parser.add_argument('--pkl', help="the --model's pickle of fixed noises "
                        '(default: the one beside its checkpoint)')
    parser.add_argument('--image', help="the --model's training image, if it"
                        ' moved')


def parse_schedule(text: Optional[str]) -> Optional[Tuple[int, int]]:
    """``'40:4'`` -> ``(40, 4)``; ``None`` -> ``None``.

    Args:
        text (str, optional): ``MAX_SIZE:ITERS``.

    Returns:
        tuple[int, int] | None: ``(max_size, iters_per_scale)``.
    """
    if not text:
        return None
    try:
        max_size, iters = (int(v) for v in text.split(':'))
    except ValueError:
        max_size = iters = 0
    if max_size < 1 or iters < 1:
        raise UserInputError(
            f'--test-schedule {text!r}: write MAX_SIZE:ITERS, two positive '
            'integers, e.g. 40:4.')
    return max_size, iters


def run(args: argparse.Namespace) -> int:
    """Serve the app until interrupted.

    Args:
        args (argparse.Namespace): From :func:`add_arguments`.

    Returns:
        int: 0 after Ctrl-C.
    """
    # No usage statistics sent from a machine that may be offline.
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    check_port(args.host, args.port)
    from .ui import build_ui
    store = JobStore(args.jobs_dir, args.max_jobs,
                     parse_schedule(args.test_schedule))
    query = ''
    if getattr(args, 'model', None):
        from .opened import open_model
        job = open_model(store, args.model, args.pkl, args.image)
        query = f'?job={job.id}'
    demo = build_ui(store)
    print(f'singan app: jobs in {store.root}, at most {store.max_jobs} '
          f'training at a time. Open http://{args.host}:{args.port}/{query}',
          flush=True)
    demo.queue(default_concurrency_limit=1).launch(
        server_name=args.host, server_port=args.port, ssr_mode=False,
        allowed_paths=[store.root, *sample_image_dirs()], show_error=True,
        quiet=True, footer_links=[],
        # far larger uploads stop at the door; the rest get our message
        max_file_size=4 * store.max_bytes, **_page_style())
    return 0


def check_port(host: str, port: int) -> None:
    """Raise ``UserInputError`` unless ``host:port`` can be served on.

    Args:
        host (str): ``--host``.
        port (int): ``--port``.

    Returns:
        None
    """
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            raise UserInputError(
                f'Cannot serve on {host}:{port} ({err.strerror}): another '
                'program (another singan app?) uses that port, or the address'
                f' is not of this machine. Pass a free port, e.g. --port '
                f'{port + 1}.') from None


def _page_style() -> dict:
    """Theme and CSS of the page (``launch`` arguments in Gradio 6)."""
    from .ui import CSS, theme
    return dict(theme=theme(), css=CSS)
