"""Bad inputs through the real tools: one clear line, nothing lost.

Each row of the table in ``docs/reliability.md`` is a case here. A case runs
``tools/train.py`` or ``tools/test.py`` (``run_tool``) on a copy of the work
dir of an earlier run (``tiny_run``) and checks: exit status 2, exactly one
``error: ...`` line naming the value and the fix, no traceback, and every
file of the earlier run unchanged. The cases are independent processes, so
they run a few at a time; each test then checks its own result.
"""
import hashlib
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import cv2
import numpy as np
import pytest
from conftest import (BALLOONS, ROOT, TINY_CONFIG, TINY_OPTIONS, TOOLS,
                      fault_env, run_tool)

from singan.fileio import load_checkpoint_file, load_pickle

#: Fast schedule for runs that are expected to train: one iteration a scale.
FAST = ['train_cfg.iters_per_scale=1', 'train_dataloader.dataset.max_size=32',
        'train_dataloader.dataset.min_size=20']


@dataclass
class Case:
    """One row of the table: a command and what its message must say."""
    tool: str
    args: Callable[[dict], List[str]]
    expect: List[str]
    env: Dict[str, str] = field(default_factory=dict)
    check: Optional[Callable[[dict], None]] = None
    fresh: bool = False  # start from an empty work dir


def _train(*options, resume: Optional[str] = None):
    """Args of tools/train.py into the case's work dir with ``options``."""
    def args(ctx):
        extra = ['--resume', resume.format(**ctx)] if resume else []
        return [TINY_CONFIG, '--work-dir', ctx['work_dir'], *extra,
                '--cfg-options', *TINY_OPTIONS,
                *[o.format(**ctx) for o in options]]
    return args


def _data(name: str, *options):
    return _train(f'train_dataloader.dataset.data_root={{images}}/{name}',
                  *options)


def _test(checkpoint: str, *options):
    """Args of tools/test.py with the tiny run's options and ``options``."""
    def args(ctx):
        return [TINY_CONFIG, checkpoint.format(**ctx), '--out-dir',
                osp.join(ctx['work_dir'], 'test_samples'), '--num-samples',
                '1', '--cfg-options', *TINY_OPTIONS,
                *[o.format(**ctx) for o in options]]
    return args


def _only_earlier_checkpoints(ctx) -> None:
    """Nothing new was saved, and what was saved earlier still loads."""
    names = sorted(n for n in os.listdir(ctx['work_dir'])
                   if n.endswith('.pth'))
    assert names == ctx['earlier_checkpoints']
    for name in names:
        ckpt = load_checkpoint_file(osp.join(ctx['work_dir'], name))
        assert all(np.isfinite(v.numpy()).all()
                   for v in ckpt['state_dict'].values())


def _disk_full_kept_previous(ctx) -> None:
    """The failed save left iter_18's pickle and checkpoint usable."""
    assert not osp.exists(osp.join(ctx['work_dir'], 'iter_24.pth'))
    leftovers = [n for n in os.listdir(ctx['work_dir']) if n.endswith('.tmp')]
    assert leftovers == []
    with open(osp.join(ctx['work_dir'], 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_18.pth')
    load_checkpoint_file(osp.join(ctx['work_dir'], 'iter_18.pth'))
    load_pickle(osp.join(ctx['work_dir'], 'pickle', 'iter_18.pkl'))


CASES = {
    # --- the training image (tools/train.py)
    'image missing': Case('train.py', _data('nope.png'),
                          ['nope.png', 'does not exist', 'data_root']),
    'image is a folder': Case('train.py', _data('folder'),
                              ['folder', 'is a folder', 'one image file']),
    'image empty': Case('train.py', _data('empty.png'),
                        ['empty.png', '0 bytes', 'Copy the image again']),
    'text named .png': Case('train.py', _data('text.png'),
                            ['text.png', 'not an image OpenCV can decode',
                             'Save it again']),
    'truncated PNG': Case('train.py', _data('truncated.png'),
                          ['truncated.png', 'truncated', 'Save it again']),
    'image under min_size': Case(
        'train.py', _data('small.png'),
        ['16x12', 'min_size=20', 'set min_size <= 12']),
    # --- config values (tools/train.py)
    'min_size > max_size': Case(
        'train.py', _train('train_dataloader.dataset.min_size=60'),
        ['min_size=60', 'max_size=48', 'Lower min_size or raise max_size']),
    'scale_factor_init >= 1': Case(
        'train.py', _train('train_dataloader.dataset.scale_factor_init=1.5'),
        ['scale_factor_init=1.5', '(0, 1)', '0.75']),
    'scale_factor_init <= 0': Case(
        'train.py', _train('train_dataloader.dataset.scale_factor_init=0'),
        ['scale_factor_init=0', '(0, 1)']),
    'num_scales not the image\'s': Case(
        'train.py', _train('model.num_scales=7'),
        ['model.num_scales=7', 'num_scales=3',
         '--cfg-options model.num_scales=3']),
    'iters_per_scale <= 0': Case(
        'train.py', _train('model.iters_per_scale=0'),
        ['iters_per_scale=0', 'positive integer']),
    # --- work dir and saving (tools/train.py)
    'work dir not writable': Case(
        'train.py',
        lambda ctx: _train()(dict(ctx, work_dir=osp.join(
            ctx['work_dir'], 'last_checkpoint', 'run'))),
        ['last_checkpoint/run', 'not writable', '--work-dir']),
    'disk full while saving': Case(
        'train.py', _train(), ['iter_24.pth', 'disk is full', 'Free space',
                               '--resume', 'previous version'],
        env=fault_env('enospc:iter_24.pth'),
        check=_disk_full_kept_previous, fresh=True),
    'losses become NaN': Case(
        'train.py',
        _train('optim_wrapper.generator.optimizer.lr=1e30',
               'optim_wrapper.discriminator.optimizer.lr=1e30',
               'default_hooks.checkpoint.interval=1'),
        ['Non-finite', 'scale 0, iteration 1', 'Lower the learning rate'],
        check=_only_earlier_checkpoints),
    # --- checkpoints to resume from (tools/train.py --resume)
    'resume: checkpoint missing': Case(
        'train.py', _train(resume='{work_dir}/iter_99.pth'),
        ['iter_99.pth', 'does not exist', 'WORK_DIR/iter_N.pth']),
    'resume: checkpoint truncated': Case(
        'train.py', _train(resume='{images}/cut.pth'),
        ['cut.pth', 'not a readable PyTorch checkpoint', 'previous one']),
    'resume: checkpoint of another config': Case(
        'train.py',
        _train('train_dataloader.dataset.max_size=64',
               resume='{work_dir}/iter_24.pth'),
        ['does not fit this config', 'it has 4 generator scales, the '
         'config 5', 'config it was trained with']),
    # --- testing (tools/test.py)
    'test: pickle missing': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={work_dir}/nope.pkl'),
        ['nope.pkl', 'does not exist', 'test_cfg.pkl_data=']),
    'test: pickle not a pickle': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/text.png'),
        ['text.png', 'not a readable pickle', 'test_cfg.pkl_data=']),
    'test: pickle with wrong keys': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/wrong_keys.pkl'),
        ['wrong_keys.pkl', "['fixed_noises', 'noise_weights', 'curr_stage']",
         'pickle/iter_N.pkl']),
    'test: pickle with too many scales': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/many_scales.pkl'),
        ['many_scales.pkl', 'curr_stage=6', 'does not belong to',
         'curr_stage=3', '.pkl of the same iteration']),
    'test: pickle of another iteration': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={work_dir}/pickle/iter_12.pkl'),
        ['iter_12.pkl (curr_stage=1', 'does not belong to', 'iter_24.pth '
         '(curr_stage=3', 'iter_N.pkl for iter_N.pth']),
    'test: pickle with wrong shapes': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/wrong_shape.pkl'),
        ['wrong_shape.pkl', '(3, 30, 39)', 'does not belong to',
         '(1, 3, 30, 39)']),
    'test: checkpoint missing': Case(
        'test.py', _test('{work_dir}/iter_99.pth'),
        ['iter_99.pth', 'does not exist']),
    'test: checkpoint of another config': Case(
        'test.py', _test('{work_dir}/iter_24.pth', 'model.num_scales=5'),
        ['iter_24.pth', 'num_scales=5', 'another config',
         'model.num_scales=3']),
}


def _hashes(folder: str) -> Dict[str, str]:
    """sha256 of every output file under ``folder``, by relative path.

    The config copy at the top (``singan_balloons.py``) is left out: mmengine
    writes the config of every run there, by design.
    """
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
            if root == folder and name.endswith('.py'):
                continue
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = hashlib.sha256(
                    f.read()).hexdigest()
    return out


def _make_inputs(folder: str, tiny_run) -> None:
    """Broken images, small and odd-format images, and bad pickles."""
    os.makedirs(osp.join(folder, 'folder'))
    open(osp.join(folder, 'empty.png'), 'wb').close()
    with open(osp.join(folder, 'text.png'), 'w') as f:
        f.write('this is a text file, not an image\n')
    with open(BALLOONS, 'rb') as f:
        png = f.read()
    with open(osp.join(folder, 'truncated.png'), 'wb') as f:
        f.write(png[:len(png) // 2])
    cv2.imwrite(osp.join(folder, 'small.png'), np.zeros((12, 16, 3),
                                                          np.uint8))
    with open(tiny_run.checkpoint, 'rb') as f:
        ckpt = f.read()
    with open(osp.join(folder, 'cut.pth'), 'wb') as f:
        f.write(ckpt[:len(ckpt) // 3])
    state = load_pickle(tiny_run.pickle)
    bad = {
        'wrong_keys.pkl': {'noises': state['fixed_noises']},
        'many_scales.pkl': dict(state, curr_stage=6),
        'wrong_shape.pkl': dict(state, fixed_noises=state['fixed_noises'][:2]
                                + [state['fixed_noises'][2][0]]
                                + state['fixed_noises'][3:]),
    }
    for name, data in bad.items():
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(data, f)


def _run_case(name: str, case: Case, base: str, tiny_run) -> dict:
    """Copy the earlier run, run the case's command on it."""
    slug = ''.join(c if c.isalnum() else '_' for c in name)
    work_dir = osp.join(base, 'runs', slug)
    if case.fresh:
        os.makedirs(work_dir)
    else:
        shutil.copytree(tiny_run.work_dir, work_dir)
    ctx = dict(work_dir=work_dir, images=osp.join(base, 'inputs'),
               earlier_checkpoints=sorted(
                   n for n in os.listdir(work_dir) if n.endswith('.pth')))
    before = _hashes(work_dir)
    if case.env:
        env = dict(os.environ, PYTHONHASHSEED='0', OMP_NUM_THREADS='1',
                   **case.env)
        proc = subprocess.run(
            [sys.executable, osp.join(TOOLS, case.tool), *case.args(ctx)],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    else:
        proc = run_tool(case.tool, *case.args(ctx), check=False, timeout=300)
    return dict(proc=proc, ctx=ctx, before=before)


@pytest.fixture(scope='module')
def results(tiny_run, tmp_path_factory) -> Dict[str, dict]:
    """Run every case once, two at a time."""
    base = str(tmp_path_factory.mktemp('bad_inputs'))
    _make_inputs(osp.join(base, 'inputs'), tiny_run)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(_run_case, name, case, base, tiny_run)
            for name, case in CASES.items()
        }
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize('name', list(CASES))
def test_bad_input_gets_one_clear_message(results, name):
    case, result = CASES[name], results[name]
    proc, ctx = result['proc'], result['ctx']
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-3000:]
    assert 'Traceback' not in output, output[-3000:]
    errors = [line for line in proc.stderr.splitlines()
              if line.startswith('error: ')]
    assert len(errors) == 1, proc.stderr[-3000:]
    assert proc.stderr.rstrip().splitlines()[-1] == errors[0]
    for fragment in case.expect:
        assert fragment in errors[0], errors[0]
    after = _hashes(ctx['work_dir'])
    lost = {k for k, v in result['before'].items() if after.get(k) != v}
    assert not lost, f'earlier outputs changed or lost: {sorted(lost)}'
    if case.check:
        case.check(ctx)


# ------------------------------------------------------------------ images
# that load: odd formats train, a huge image is scaled down in bounded memory

def _write_format(path: str, kind: str) -> None:
    """Balloons as a grey, RGBA, palette or 16-bit PNG."""
    bgr = cv2.imread(BALLOONS, cv2.IMREAD_COLOR)
    if kind == 'grey':
        cv2.imwrite(path, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    elif kind == 'rgba':
        alpha = np.full(bgr.shape[:2] + (1, ), 128, np.uint8)
        cv2.imwrite(path, np.concatenate([bgr, alpha], axis=2))
    elif kind == '16bit':
        cv2.imwrite(path, bgr.astype(np.uint16) * 257)
    else:
        image = pytest.importorskip('PIL.Image')
        rgb = image.fromarray(np.ascontiguousarray(bgr[:, :, ::-1]))
        rgb.convert('P', palette=image.Palette.ADAPTIVE).save(path)


FORMATS = ('grey', 'rgba', 'palette', '16bit')


@pytest.fixture(scope='module')
def format_runs(tmp_path_factory) -> Dict[str, tuple]:
    """Train one iteration per scale on each format, two at a time."""
    base = tmp_path_factory.mktemp('formats')

    def train(kind):
        image, work_dir = str(base / f'{kind}.png'), str(base / kind)
        _write_format(image, kind)
        proc = run_tool('train.py', TINY_CONFIG, '--work-dir', work_dir,
                        '--cfg-options', *TINY_OPTIONS, *FAST,
                        f'train_dataloader.dataset.data_root={image}',
                        check=False, timeout=300)
        return image, work_dir, proc

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(FORMATS, pool.map(train, FORMATS)))


@pytest.mark.parametrize('kind', FORMATS)
def test_image_format_loads_and_trains(format_runs, kind):
    image, work_dir, proc = format_runs[kind]
    flag = cv2.IMREAD_UNCHANGED
    if kind == 'palette':
        assert pytest.importorskip('PIL.Image').open(image).mode == 'P'
    elif kind == 'grey':
        assert cv2.imread(image, flag).ndim == 2
    elif kind == 'rgba':
        assert cv2.imread(image, flag).shape[2] == 4
    else:
        assert cv2.imread(image, flag).dtype == np.uint16
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = load_pickle(osp.join(work_dir, 'pickle', 'iter_2.pkl'))
    assert state['curr_stage'] == 1
    assert osp.isfile(osp.join(work_dir, 'snapshots', 'scale_1.png'))


def test_huge_image_is_scaled_down_in_bounded_memory(tmp_path):
    # 8000x6000 smooth gradient: 144 MB decoded, a small PNG on disk.
    rows = np.linspace(0, 255, 6000, dtype=np.float32)[:, None]
    cols = np.linspace(0, 255, 8000, dtype=np.float32)[None, :]
    image = np.empty((6000, 8000, 3), np.uint8)
    image[:, :, 0] = rows
    image[:, :, 1] = cols
    image[:, :, 2] = 128
    path = str(tmp_path / 'huge.png')
    assert cv2.imwrite(path, image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    del image, rows, cols
    # As run_tool does, but with os.wait4 to read this child's peak memory.
    with open(tmp_path / 'out.txt', 'w+') as out:
        proc = subprocess.Popen(
            [sys.executable, osp.join(TOOLS, 'train.py'), TINY_CONFIG,
             '--work-dir', str(tmp_path / 'work'), '--cfg-options',
             *TINY_OPTIONS, *FAST,
             f'train_dataloader.dataset.data_root={path}'],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONHASHSEED='0', OMP_NUM_THREADS='1'))
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        log = out.read()
    assert proc.returncode == 0, log[-3000:]
    assert 'huge.png is 8000x6000; scaled down so its long side is ' \
           'max_size=32' in log
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    print(f'peak memory of the run: {peak_mb:.0f} MB')
    assert peak_mb < 1536, f'peak memory {peak_mb:.0f} MB'
    state = load_pickle(tmp_path / 'work' / 'pickle' / 'iter_2.pkl')
    assert state['fixed_noises'][-1].shape[-2:] == (24, 32)
