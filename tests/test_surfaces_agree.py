"""One request, three surfaces, the same pixels.

The Python API (``SinGANInferencer``), the ``singan`` command (its
``main``, in process) and the browser app's results layer
(``singan.webapp.results``) are adapters of one implementation; the same
request must give the same picture on each, bit for bit, including the
full-resolution paste-back of harmonization.
"""
import json
import os.path as osp
import shutil

import numpy as np
import pytest
from conftest import BALLOONS
from webapp.app_deps import require

from singan.apis import SinGANInferencer
from singan.commands import main
from singan.fileio import read_image, save_image

require('gradio', 'pip install -r requirements-test.txt')

from singan.webapp import results  # noqa: E402
from singan.webapp.jobs import Job  # noqa: E402


@pytest.fixture(scope='module')
def job(tiny_run, tmp_path_factory) -> Job:
    """The session's tiny run as a finished job of the app."""
    folder = tmp_path_factory.mktemp('jobs') / '20260101-000000-abcdef'
    work = folder / 'work'
    shutil.copytree(tiny_run.work_dir, work)
    (work / 'progress.json').write_text(json.dumps(dict(
        status='done', samples=[],
        checkpoint=str(work / osp.basename(tiny_run.checkpoint)),
        pickle=str(work / 'pickle' / osp.basename(tiny_run.pickle)))))
    shutil.copyfile(BALLOONS, folder / 'input.png')
    (folder / 'job.json').write_text(json.dumps(dict(
        id=folder.name, name='balloons.png', image='input.png',
        preset='paper', seed=0)))
    return Job(str(folder))


def _cli(*args: str) -> None:
    """``singan ARGS`` in process; it must succeed."""
    assert main(list(args)) == 0


def test_samples_agree(tiny_run, job, tmp_path):
    api = SinGANInferencer(tiny_run.checkpoint)
    expected = api.sample(num=2, seed=5)['predictions']
    _cli('sample', tiny_run.work_dir, '--num', '2', '--factors', '1x1',
         '--seed', '5', '--out-dir', str(tmp_path))
    cli = [read_image(str(tmp_path / f'sample_{i:02d}.png'))
           for i in range(2)]
    web = [read_image(path) for path, _ in
           results.make_samples(job, 2, 1, 1, 0, seed=5)]
    assert not np.array_equal(expected[0], expected[1])
    for ours in (cli, web):
        assert all(np.array_equal(a, b) for a, b in zip(ours, expected))


def test_full_resolution_harmonize_agrees(tiny_run, job, tmp_path):
    photo = read_image(BALLOONS).copy()  # 248x186; the model is 48x36
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[60:100, 120:170] = 255
    photo[60:100, 120:170] = (230, 30, 30)
    photo_path = save_image(photo, str(tmp_path / 'pasted.png'))
    mask_path = save_image(np.repeat(mask[:, :, None], 3, axis=2),
                           str(tmp_path / 'mask.png'))
    api = SinGANInferencer(tiny_run.checkpoint)
    expected = api.harmonize(photo_path, mask_path, start_scale=1,
                             seed=3)['predictions'][0]
    assert expected.shape == photo.shape
    assert not np.array_equal(expected, photo)
    out = tmp_path / 'cli'
    _cli('harmonize', tiny_run.work_dir, '--input', photo_path, '--mask',
         mask_path, '--start-scale', '1', '--seed', '3',
         '--out-dir', str(out))
    cli = read_image(str(out / 'harmonized.png'))
    web, _ = results.make_injection(job, photo, mask, 'harmonize', 1,
                                    seed=3)
    assert np.array_equal(cli, expected)
    assert np.array_equal(read_image(web), expected)
