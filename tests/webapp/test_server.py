"""``singan app``'s own arguments: the test schedule and the port."""
import argparse
import socket

import pytest

from app_deps import require

require('gradio', 'pip install -r requirements-test.txt')

from singan.webapp import add_arguments  # noqa: E402
from singan.webapp.server import check_port, parse_schedule  # noqa: E402


def test_arguments_of_the_contract():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(['--port', '8001', '--max-jobs', '2'])
    assert (args.host, args.port, args.jobs_dir, args.max_jobs) == (
        '127.0.0.1', 8001, 'work_dirs/app', 2)
    assert args.test_schedule is None


def test_test_schedule():
    assert parse_schedule('40:4') == (40, 4)
    assert parse_schedule(None) is None
    for bad in ('40', '40:0', 'big:4', '40:4:1'):
        with pytest.raises(ValueError, match='write MAX_SIZE:ITERS'):
            parse_schedule(bad)


def test_port_in_use_names_a_free_one():
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ValueError, match=f'Cannot serve on 127.0.0.1:'
                           f'{port} .* e.g. --port {port + 1}'):
            check_port('127.0.0.1', port)
    check_port('127.0.0.1', port)  # free again
