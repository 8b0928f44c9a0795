"""Multi-process SinGAN on the CPU (gloo): data-parallel and many images."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from conftest import BALLOONS, ROOT, TOOLS
from mmengine.config import Config

from singan.apis import load_model
from singan.engine import (SinGANDataParallel, SinGANOptimWrapperConstructor,
                           average_gradients, start_scale)
from singan.engine.model_wrapper import _distinct_seeds
from singan.fileio import load_checkpoint_file, load_pickle, read_image
from singan.registry import MODELS

CONFIG = osp.join(ROOT, 'configs', 'singan', 'singan_balloons.py')
#: 32x24 finest scale, 3 scales of 2 iterations.
OPTIONS = [
    'model.num_scales=None', 'train_cfg.iters_per_scale=2',
    'train_dataloader.dataset.max_size=32',
    'train_dataloader.dataset.min_size=16',
    f'train_dataloader.dataset.data_root={BALLOONS}',
    'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=2',
    'randomness.seed=0'
]


def _free_port() -> str:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def _run(cmd: list, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command from the repository root, one CPU thread per process."""
    env = dict(os.environ, PYTHON=sys.executable, PORT=_free_port(),
               OMP_NUM_THREADS='1', PYTHONHASHSEED='0')
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{cmd} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


def _dist_train(work_dir: str, nproc: int) -> str:
    """tools/dist_train.sh; returns the last checkpoint."""
    _run(['bash', osp.join(TOOLS, 'dist_train.sh'), CONFIG, str(nproc),
          '--work-dir', work_dir, '--cfg-options', *OPTIONS])
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def _weights(checkpoint: str) -> dict:
    return load_checkpoint_file(checkpoint)['state_dict']


@pytest.fixture(scope='module')
def one_rank(tmp_path_factory) -> str:
    return _dist_train(str(tmp_path_factory.mktemp('one_rank')), 1)


@pytest.fixture(scope='module')
def two_ranks(tmp_path_factory) -> str:
    return _dist_train(str(tmp_path_factory.mktemp('two_ranks')), 2)


def test_one_rank_equals_single_process(tmp_path, one_rank):
    work_dir = str(tmp_path / 'single')
    _run([sys.executable, osp.join(TOOLS, 'train.py'), CONFIG, '--work-dir',
          work_dir, '--cfg-options', *OPTIONS])
    single = osp.join(work_dir, osp.basename(one_rank))
    ours, theirs = _weights(one_rank), _weights(single)
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert torch.equal(ours[key], theirs[key]), key
    name = osp.splitext(osp.basename(one_rank))[0]
    a = load_pickle(osp.join(osp.dirname(one_rank), 'pickle', f'{name}.pkl'))
    b = load_pickle(osp.join(work_dir, 'pickle', f'{name}.pkl'))
    assert a['noise_weights'] == b['noise_weights']
    assert all(np.array_equal(x, y)
               for x, y in zip(a['fixed_noises'], b['fixed_noises']))


def test_two_ranks_train_one_model(two_ranks, one_rank):
    work_dir = osp.dirname(two_ranks)
    name = osp.splitext(osp.basename(two_ranks))[0]
    assert osp.isfile(osp.join(work_dir, 'pickle', f'{name}.pkl'))
    cfg = Config.fromfile(CONFIG)
    cfg.model.num_scales = load_checkpoint_file(
        two_ranks)['singan_state']['curr_stage']
    model = load_model(cfg, two_ranks)
    assert torch.isfinite(model.sample(2)).all()
    # the second rank's noise changed the training
    changed = [k for k, v in _weights(two_ranks).items()
               if v.is_floating_point()
               and not torch.equal(v, _weights(one_rank)[k])]
    assert changed


@pytest.mark.trains
def test_dist_test_samples_per_rank(tmp_path, two_ranks):
    out = str(tmp_path / 'samples')
    _run(['bash', osp.join(TOOLS, 'dist_test.sh'), CONFIG, two_ranks, '2',
          '--out-dir', out, '--num-samples', '2', '--device', 'cpu',
          '--cfg-options', 'model.num_scales=None',
          f'train_dataloader.dataset.data_root={BALLOONS}',
          'train_dataloader.dataset.max_size=32',
          'train_dataloader.dataset.min_size=16'])
    first = [read_image(osp.join(out, f'rank{r}_sample_00.png'))
             for r in (0, 1)]
    assert not np.array_equal(*first)


def _tiny_singan(**kwargs):
    net = dict(in_channels=3, num_scales=1)
    return MODELS.build(dict(
        type='SinGAN', num_scales=1, **kwargs,
        generator=dict(type='SinGANMultiScaleGenerator', out_channels=3,
                       **net),
        discriminator=dict(type='SinGANMultiScaleDiscriminator', **net)))


def _optimizers(wrapper):
    return SinGANOptimWrapperConstructor(dict(
        generator=dict(optimizer=dict(type='Adam', lr=5e-4)),
        discriminator=dict(optimizer=dict(type='Adam', lr=5e-4))))(wrapper)


def _reals():
    real_rng = torch.Generator().manual_seed(7)  # same image on every rank
    return [torch.rand(1, 3, s, s, generator=real_rng) * 2 - 1
            for s in (20, 26)]


def _wrapper_worker(rank: int, world: int, init_file: str,
                    out_dir: str) -> None:
    """One rank: average gradients, train two steps, report its state."""
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world)
    param = torch.nn.Parameter(torch.zeros(3))
    param.grad = torch.full((3, ), float(rank + 1))
    average_gradients([param])
    torch.manual_seed(rank)  # different weights and fixed noise per rank
    model = _tiny_singan().train()
    wrapper = SinGANDataParallel(model)
    optim = _optimizers(wrapper)
    reals = _reals()
    data = {f'real_scale{i}': r for i, r in enumerate(reals)}
    start_scale(model, optim, 0, reals)
    logs = [wrapper.train_step(data, optim) for _ in range(2)]
    torch.manual_seed(0)  # same random state on every rank
    _distinct_seeds()
    torch.save(dict(grad=param.grad, state=model.state_dict(),
                    fixed=model.fixed_noises[0], loss=logs[-1]['loss_gan'],
                    draw=torch.randn(4)), osp.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.trains
def test_wrapper_keeps_ranks_in_step(tmp_path):
    mp.spawn(_wrapper_worker, args=(2, str(tmp_path / 'init'), str(tmp_path)),
             nprocs=2)
    ranks = [torch.load(tmp_path / f'{r}.pt') for r in (0, 1)]
    for out in ranks:
        assert torch.equal(out['grad'], torch.full((3, ), 1.5))
    state0, state1 = ranks[0]['state'], ranks[1]['state']
    for key in state0:  # rank 0's start, averaged steps: the same weights
        assert torch.allclose(state0[key].float(), state1[key].float(),
                              atol=1e-6), key
    assert torch.equal(ranks[0]['fixed'], ranks[1]['fixed'])
    assert ranks[0]['loss'] != ranks[1]['loss']  # each rank its own noise
    torch.manual_seed(0)
    assert torch.equal(ranks[0]['draw'], torch.randn(4))  # rank 0 kept
    assert not torch.equal(ranks[0]['draw'], ranks[1]['draw'])


def _concurrent_worker(rank: int, world: int, init_file: str,
                       out_dir: str) -> None:
    """One rank of concurrent training: scale 1 trains generator 0 and 1."""
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world)
    torch.manual_seed(rank)
    model = _tiny_singan(num_concurrent=3).train()
    wrapper = SinGANDataParallel(model)
    optim = _optimizers(wrapper)
    reals = _reals()
    data = {f'real_scale{i}': r for i, r in enumerate(reals)}
    start_scale(model, optim, 0, reals)
    wrapper.train_step(data, optim)
    start_scale(model, optim, 1, reals)
    lower = model.scale_modules('generator')[0]
    before = {k: v.clone() for k, v in lower.state_dict().items()}
    logs = [wrapper.train_step(data, optim) for _ in range(2)]
    torch.save(dict(before=before, lower=lower.state_dict(),
                    loss=logs[-1]['loss_gan']),
               osp.join(out_dir, f'{rank}.pt'))
    dist.destroy_process_group()


@pytest.mark.trains
def test_concurrent_scales_are_averaged_over_ranks(tmp_path):
    mp.spawn(_concurrent_worker,
             args=(2, str(tmp_path / 'init'), str(tmp_path)), nprocs=2)
    ranks = [torch.load(tmp_path / f'{r}.pt') for r in (0, 1)]
    assert ranks[0]['loss'] != ranks[1]['loss']  # each rank its own noise
    for key, value in ranks[0]['lower'].items():
        if not value.is_floating_point():
            continue
        # the scale below the current one learned, by the same step on both
        assert torch.allclose(value, ranks[1]['lower'][key], atol=1e-6), key
    assert any(not torch.equal(v, ranks[0]['before'][k])
               for k, v in ranks[0]['lower'].items()
               if v.is_floating_point())


def _two_images(folder) -> str:
    os.makedirs(folder)
    image = cv2.imread(BALLOONS)
    half = image.shape[1] // 2
    cv2.imwrite(osp.join(folder, 'left.png'), image[:, :half])
    cv2.imwrite(osp.join(folder, 'right.png'), image[:, half:])
    return str(folder)


MANY_OPTIONS = [o for o in OPTIONS if 'data_root' not in o
                and 'num_scales' not in o]


@pytest.mark.trains
def test_train_many_over_two_ranks(tmp_path):
    images = _two_images(tmp_path / 'images')
    work_dir = str(tmp_path / 'many')
    proc = _run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={_free_port()}', osp.join(TOOLS, 'train_many.py'),
        CONFIG, images, '--work-dir', work_dir, '--launcher', 'pytorch',
        '--cfg-options', *MANY_OPTIONS])
    assert '2/2 images trained' in proc.stdout
    with open(osp.join(work_dir, 'summary.json')) as f:
        summary = json.load(f)
    assert [osp.basename(r['image']) for r in summary] == ['left.png',
                                                           'right.png']
    assert sorted(r['rank'] for r in summary) == [0, 1]
    for result in summary:
        assert result['status'] == 'ok'
        assert result['work_dir'] == osp.join(
            work_dir, osp.splitext(osp.basename(result['image']))[0])
        assert osp.isfile(result['checkpoint'])
        assert load_pickle(result['pickle'])['curr_stage'] >= 1


@pytest.mark.trains
def test_train_many_local_processes_report_failures(tmp_path):
    images = _two_images(tmp_path / 'images')
    with open(osp.join(images, 'broken.png'), 'wb') as f:
        f.write(b'not an image')
    os.remove(osp.join(images, 'right.png'))
    work_dir = str(tmp_path / 'many')
    proc = subprocess.run([
        sys.executable, osp.join(TOOLS, 'train_many.py'), CONFIG, images,
        '--work-dir', work_dir, '--num-procs', '2', '--cfg-options',
        *MANY_OPTIONS], cwd=ROOT, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 1, proc.stderr[-2000:]
    with open(osp.join(work_dir, 'summary.json')) as f:
        status = {osp.basename(r['image']): r for r in json.load(f)}
    assert status['left.png']['status'] == 'ok'
    assert status['broken.png']['status'] == 'failed'
    assert 'broken.png' in status['broken.png']['error']
