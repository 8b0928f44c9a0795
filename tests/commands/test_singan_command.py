"""The ``singan`` command: train a photo, use the work dir, refuse bad input.

A tiny run (finest scale 32 px, 4 iterations a scale) is trained once by
``python -m singan train`` in a subprocess, as a user would run it; the
other tests use its work dir. The dispatch of ``singan app`` is tested in
process with stand-ins for ``singan.webapp``.
"""
import argparse
import hashlib
import io
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import types

import cv2
import numpy as np
import pytest
import torch
from conftest import BALLOONS, ROOT
from PIL import Image

from singan.commands import main
from singan.commands.progress_bar import (ProgressBarHook, format_progress,
                                          format_seconds)
from singan.engine.progress_file_hook import ProgressFile, ProgressFileHook
from singan.presets import PRESETS, get_preset
from singan.resources import find_config

#: The tiny schedule of these tests.
TINY = ['--max-size', '32', '--iters-per-scale', '4']


def singan(*args: str, cwd: str, check: bool = True,
           timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m singan ARGS`` in ``cwd``, as a user would."""
    env = dict(os.environ, PYTHONHASHSEED='0',
               OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'),
               PYTHONPATH=os.pathsep.join(
                   [osp.join(ROOT, 'projects')] +
                   [p for p in [os.environ.get('PYTHONPATH')] if p]))
    proc = subprocess.run([sys.executable, '-m', 'singan', *args],
                          capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'singan {args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


@pytest.fixture(scope='module')
def trained(tmp_path_factory) -> dict:
    """``singan train photo.png`` into the default work dir, once."""
    home = str(tmp_path_factory.mktemp('singan_home'))
    shutil.copy(BALLOONS, osp.join(home, 'photo.png'))
    proc = singan('train', 'photo.png', '--num-samples', '3', *TINY,
                  cwd=home)
    work_dir = osp.join(home, 'work_dirs', 'photo')
    with open(osp.join(work_dir, 'progress.json')) as f:
        progress = json.load(f)
    return dict(home=home, work_dir=work_dir, proc=proc, progress=progress)


def test_train_writes_samples_grid_gif_and_progress(trained):
    progress, work_dir = trained['progress'], trained['work_dir']
    assert progress['status'] == 'done' and progress['error'] is None
    assert progress['percent'] == 100.0 and progress['eta_s'] == 0.0
    assert progress['iter'] == progress['max_iters'] == \
        progress['num_scales'] * progress['iters_per_scale']
    assert progress['iters_per_scale'] == 4
    assert progress['scale'] == progress['num_scales'] - 1
    assert len(progress['samples']) == 3
    for path in progress['samples'] + [progress['grid'], progress['gif'],
                                       progress['snapshot'],
                                       progress['checkpoint'],
                                       progress['pickle']]:
        assert osp.isabs(path) and osp.isfile(path), path
        assert path.startswith(work_dir), path
    assert progress['checkpoint'].endswith(f'iter_{progress["iter"]}.pth')
    with Image.open(progress['gif']) as gif:
        assert gif.n_frames > 1
    sample = cv2.imread(progress['samples'][0])
    assert sample.shape[:2] == (24, 32)  # 248x186 capped to 32 px
    out = trained['proc'].stdout
    assert 'singan sample work_dirs/photo' in out
    assert 'singan harmonize work_dirs/photo' in out and 'singan app' in out


def test_train_output_is_a_few_lines_and_the_dumps_go_to_the_log(trained):
    proc = trained['proc']  # not a terminal: progress as plain lines
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(lines) < 30, lines
    text = '\n'.join(lines)
    assert lines[0].startswith('singan train: photo.png (248x186) -> '
                               'samples of 32x24 px (--max-size 32)')
    assert 'CPU threads chosen per scale by timing' in text
    assert '--preset fast or --max-size PX' in text
    assert 'System environment' not in text and 'Config:' not in text
    assert re.search(r'^scale 1/1 \[\d/4\] .*ETA ', text, re.M)
    log = re.search(r'full log \(environment, config, losses\): (\S+)',
                    text).group(1)
    with open(log) as f:
        dumped = f.read()
    assert 'System environment' in dumped and 'Config:' in dumped
    assert 'Seconds per iteration, timed per scale' in dumped


def test_done_after_a_resume_counts_the_earlier_training(trained, tmp_path):
    work_dir = str(tmp_path / 'photo')
    shutil.copytree(trained['work_dir'], work_dir)
    checkpoint = osp.join(work_dir, 'iter_4.pth')
    state = torch.load(checkpoint, weights_only=False)
    state['singan_loop']['elapsed_s'] = 1000.0  # the first session's 16:40
    torch.save(state, checkpoint)
    proc = singan('train', 'photo.png', '--work-dir', work_dir, '--resume',
                  checkpoint, '--num-samples', '1', *TINY,
                  cwd=trained['home'])
    done = re.search(r'Done in (\d+):(\d\d) \(training (\d+):(\d\d), of '
                     r'which 16:40 before the resume', proc.stdout)
    assert done, proc.stdout
    total, training = (60 * int(done.group(i)) + int(done.group(i + 1))
                       for i in (1, 3))
    assert 1000 < training <= total
    with open(osp.join(work_dir, 'progress.json')) as f:
        assert json.load(f)['elapsed_s'] > 1000


def test_apps_find_everything_in_the_work_dir(trained):
    proc = singan('sample', 'work_dirs/photo', '--num', '2', '--factors',
                  '1x2', cwd=trained['home'])
    out_dir = osp.join(trained['work_dir'], 'apps', 'sample')
    assert 'comparison.png' in proc.stdout
    assert cv2.imread(osp.join(out_dir, 'sample_01.png')).shape[:2] == \
        (24, 64)
    checkpoint = trained['progress']['checkpoint']
    out = osp.join(trained['home'], 'recon')
    singan('reconstruct', trained['work_dir'], checkpoint, '--out-dir', out,
           cwd=ROOT)  # another folder: the image path is absolute
    assert osp.isfile(osp.join(out, 'reconstruction.png'))


def _hashes(folder: str) -> dict:
    """sha256 of every file under ``folder``, by relative path."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            with open(osp.join(root, name), 'rb') as f:
                out[osp.relpath(osp.join(root, name), folder)] = \
                    hashlib.sha256(f.read()).hexdigest()
    return out


#: name -> (arguments, fragments of the error line)
BAD = {
    'text file named photo.jpg': (['train', 'photo.jpg'],
                                  ['photo.jpg', 'not an image']),
    'missing image': (['train', 'nope.jpg'], ['nope.jpg', 'does not exist']),
    'image too small': (['train', 'small.png'], ['9x8', 'at least 11']),
    'misspelt preset': (['train', 'good.png', '--preset', 'dmeo'],
                        ["'dmeo'", 'did you mean demo', 'demo, fast, paper']),
    'work dir of another run': (
        ['train', 'good.png', '--work-dir', '{work_dir}', *TINY],
        ['earlier run', '--resume', '--overwrite']),
    'sample from a work dir without checkpoints': (
        ['sample', 'empty_dir'], ['holds no checkpoint']),
}


@pytest.mark.parametrize('name', list(BAD))
def test_bad_input_gets_one_error_line(trained, tmp_path, name):
    args, fragments = BAD[name]
    (tmp_path / 'photo.jpg').write_text('this is a text file\n')
    cv2.imwrite(str(tmp_path / 'small.png'), np.zeros((8, 9, 3), np.uint8))
    shutil.copy(BALLOONS, tmp_path / 'good.png')
    (tmp_path / 'empty_dir').mkdir()
    before = _hashes(trained['work_dir'])
    proc = singan(*[a.format(**trained) for a in args], cwd=str(tmp_path),
                  check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr
    errors = [line for line in proc.stderr.splitlines()
              if line.startswith('error: ')]
    assert len(errors) == 1, proc.stderr[-3000:]
    assert proc.stderr.rstrip().splitlines()[-1] == errors[0]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert _hashes(trained['work_dir']) == before  # nothing lost
    assert not (tmp_path / 'work_dirs').exists()  # nothing started


def test_failure_is_written_for_a_watcher(tmp_path):
    (tmp_path / 'photo.jpg').write_text('this is a text file\n')
    (tmp_path / 'job').mkdir()  # as the browser app makes it
    proc = singan('train', 'photo.jpg', '--work-dir', 'job',
                  cwd=str(tmp_path), check=False)
    assert proc.returncode == 2
    progress = json.loads((tmp_path / 'job' / 'progress.json').read_text())
    assert progress['status'] == 'failed'
    assert progress['error'] == proc.stderr.strip().splitlines()[-1]
    assert 'not an image' in progress['error']


# ------------------------------------------------------------ singan app
def test_app_without_the_demo_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'singan.webapp', None)  # not importable
    assert main(['app', '--port', '7861']) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: singan app needs the demo extra: pip "
                               "install 'singan-mmengine[demo]' (")


def test_app_arguments_go_to_the_webapp(monkeypatch):
    seen = {}

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument('--host', default='127.0.0.1')
        parser.add_argument('--port', type=int, default=7860)

    def run(args: argparse.Namespace) -> int:
        seen.update(vars(args))
        return 7

    fake = types.ModuleType('singan.webapp')
    fake.add_arguments, fake.run = add_arguments, run
    monkeypatch.setitem(sys.modules, 'singan.webapp', fake)
    assert main(['app', '--port', '7861']) == 7
    assert seen == dict(host='127.0.0.1', port=7861)


# ------------------------------------------------------- presets, pieces
def test_every_preset_names_a_shipped_config():
    for name, preset in PRESETS.items():
        assert osp.isfile(find_config(preset.config)), name
        assert preset.description
    assert get_preset('demo').config == 'singan_balloons_demo'
    with pytest.raises(ValueError, match='did you mean paper'):
        get_preset('papper')


def test_progress_file_is_replaced_whole(tmp_path):
    path = str(tmp_path / 'progress.json')
    ProgressFile(path).update(status='training', scale=2,
                              snapshot='snapshots/scale_1.png')
    kept = ProgressFile(path, keep=True).update(status='done')
    with open(path) as f:
        assert json.load(f) == kept
    assert kept['scale'] == 2 and kept['status'] == 'done'
    assert kept['snapshot'] == osp.abspath('snapshots/scale_1.png')
    assert ProgressFile(path).fields['scale'] == 0  # a fresh start
    with pytest.raises(ValueError, match='status'):
        ProgressFile(path).update(status='finished')
    with pytest.raises(KeyError, match='sclae'):
        ProgressFile(path).update(sclae=1)
    assert os.listdir(tmp_path) == ['progress.json']  # no temporary left


def test_progress_hook_writes_by_count_and_by_time(tmp_path):
    from mmengine.logging import MessageHub
    clock = types.SimpleNamespace(now=0.0)
    hook = ProgressFileHook(interval=5, interval_seconds=10,
                            clock=lambda: clock.now)
    loop = types.SimpleNamespace(progress=lambda: dict(
        scale=1, num_scales=2, scale_iter=3, iters_per_scale=10,
        percent=43.3, eta_s=12.0))
    runner = types.SimpleNamespace(
        work_dir=str(tmp_path), iter=0, max_iters=30, train_loop=loop,
        model=types.SimpleNamespace(num_scales=2),
        message_hub=MessageHub.get_instance('test_progress_hook'))
    hook.before_run(runner)
    path = tmp_path / 'progress.json'

    def written_at(iteration: int, seconds: float) -> bool:
        path.unlink(missing_ok=True)
        runner.iter, clock.now = iteration, seconds
        hook.after_train_iter(runner, iteration)
        return path.exists()

    assert written_at(4, 0.0)  # the 5th iteration: by count
    assert not written_at(5, 9.0)
    assert written_at(6, 10.5)  # 10 s after the last write
    progress = json.loads(path.read_text())
    assert progress['num_scales'] == 3  # scales, not the finest index
    assert (progress['iter'], progress['eta_s']) == (7, 12.0)


def test_progress_bar_redraws_one_line_and_keeps_scale_lines():
    from mmengine.logging import MessageHub
    stream, clock = io.StringIO(), types.SimpleNamespace(now=0.0)
    hook = ProgressBarHook(stream, min_seconds=1, clock=lambda: clock.now)
    info = dict(scale=0, num_scales=1, scale_iter=1, iters_per_scale=2,
                percent=25.0, eta_s=3.0)
    hub = MessageHub.get_instance('test_progress_bar')
    runner = types.SimpleNamespace(message_hub=hub, train_loop=types.
                                   SimpleNamespace(progress=lambda: info))
    hook.after_train_iter(runner, 0)
    clock.now = 0.5
    hook.after_train_iter(runner, 1)  # too soon: not redrawn
    hub.update_info('singan_snapshot', '/w/snapshots/scale_0.png')
    hook.after_train_scale(runner, 0)
    hook.after_train(runner)
    text = stream.getvalue()
    assert text.count('scale 0/1 [1/2]') == 1 and '\n' not in text.split(
        'done')[0]
    assert 'scale 0/1 done; snapshot: /w/snapshots/scale_0.png\n' in text


def test_progress_line_fits_the_terminal():
    info = dict(scale=3, num_scales=5, scale_iter=120, iters_per_scale=250,
                percent=45.2, eta_s=401.0)
    line = format_progress(info, 60)
    assert line.startswith('scale 3/5 [120/250] [') and len(line) == 59
    assert line.endswith(' 45.2%  ETA 6:41')
    assert format_seconds(3725) == '1:02:05' and format_seconds(None) == '?'
    assert len(format_progress(info, 20)) <= 19
