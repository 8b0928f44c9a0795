"""A tiny ConSinGAN through tools/train.py and tools/test.py."""
import os.path as osp
import re

import pytest

from conftest import BALLOONS, ROOT, run_tool
from singan.fileio.safe_load import load_pickle

CONFIG = osp.join(ROOT, 'configs', 'singan', 'consingan_balloons.py')
#: 4 stages of a 48x36 balloons.png, 6 iterations each.
TINY = [
    'model.num_scales=None', 'train_cfg.iters_per_scale=6',
    'train_dataloader.dataset.num_stages=4',
    'train_dataloader.dataset.max_size=48',
    'train_dataloader.dataset.min_size=20',
    f'train_dataloader.dataset.data_root={BALLOONS}',
    'default_hooks.checkpoint.interval=6', 'default_hooks.logger.interval=6',
    'randomness.seed=0'
]


@pytest.mark.trains
def test_tiny_consingan_trains_and_samples_through_the_tools(tmp_path):
    work = str(tmp_path / 'consingan')
    proc = run_tool('train.py', CONFIG, '--work-dir', work, '--cfg-options',
                    *TINY)
    log = proc.stdout + proc.stderr
    starts = re.findall(r'Scale (\d)/3: (\d+)x(\d+) \(WxH\).*?generator '
                        r'scales trained: ([\d, ]+);', log)
    print('\n'.join(' '.join(s) for s in starts))
    # the authors' pyramid (HxW); 36 x (20 / 36) is 20.000000000000004 in
    # floating point, so their ceil gives a coarsest short side of 21
    assert [(int(s), int(h), int(w)) for s, w, h, _ in starts] == [
        (0, 21, 27), (1, 24, 31), (2, 30, 40), (3, 36, 48)]
    assert starts[-1][3] == '1, 2, 3'  # the last 3 stages train together
    with open(osp.join(work, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    assert checkpoint.endswith('iter_24.pth')
    state = load_pickle(osp.join(work, 'pickle', 'iter_24.pkl'))
    assert state['curr_stage'] == 3
    assert [n.shape[1] for n in state['fixed_noises']] == [3, 64, 64, 64]
    out = str(tmp_path / 'samples')
    run_tool('test.py', CONFIG, checkpoint, '--out-dir', out,
             '--num-samples', '2', '--cfg-options', *TINY)
    for name in ('grid.png', 'reconstruction.png', 'sample_01.png'):
        assert osp.isfile(osp.join(out, name)), name
