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
    prepare: Optional[Callable[[dict], None]] = None  # edit the copy first
    absent: List[str] = field(default_factory=list)  # not in the message


def _train(*options, resume: Optional[str] = None, overwrite: bool = False,
           before=()):
    """Args of tools/train.py into the case's work dir with ``options``."""
    def args(ctx):
        extra = ['--resume', resume.format(**ctx)] if resume else []
        extra += ['--overwrite'] if overwrite else []
        extra += [b.format(**ctx) for b in before]
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


def _apps(command: str, *extra: str, options=()):
    """Args of tools/apps.py COMMAND on the tiny run's iter_24.pth."""
    def args(ctx):
        return [command, TINY_CONFIG, f'{ctx["work_dir"]}/iter_24.pth',
                '--out-dir', osp.join(ctx['work_dir'], 'apps'),
                *[e.format(**ctx) for e in extra], '--cfg-options',
                *TINY_OPTIONS, *[o.format(**ctx) for o in options]]
    return args


def _num_scales(*args: str):
    """Args of tools/get_num_scales.py."""
    return lambda ctx: [a.format(**ctx) for a in args]


def _only_earlier_checkpoints(ctx) -> None:
    """Nothing new was saved, and what was saved earlier still loads."""
    names = sorted(n for n in os.listdir(ctx['work_dir'])
                   if n.endswith('.pth'))
    assert names == ctx['earlier_checkpoints']
    for name in names:
        ckpt = load_checkpoint_file(osp.join(ctx['work_dir'], name))
        assert all(np.isfinite(v.numpy()).all()
                   for v in ckpt['state_dict'].values())


def _no_new_entries(ctx) -> None:
    """A refused run left nothing new (no log folder, no lock file)."""
    assert sorted(os.listdir(ctx['work_dir'])) == ctx['earlier_entries']


def _no_last_checkpoint_nor_pickles(ctx) -> None:
    """``last_checkpoint`` deleted and no checkpoint has its pickle."""
    os.remove(osp.join(ctx['work_dir'], 'last_checkpoint'))
    shutil.rmtree(osp.join(ctx['work_dir'], 'pickle'))


def _last_checkpoint_folder(ctx) -> None:
    """``last_checkpoint`` replaced by a folder."""
    os.remove(osp.join(ctx['work_dir'], 'last_checkpoint'))
    os.makedirs(osp.join(ctx['work_dir'], 'last_checkpoint'))


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
        'train.py', _train('train_cfg.iters_per_scale=0'),
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
               'default_hooks.checkpoint.interval=1', overwrite=True),
        ['Non-finite', 'scale 0, iteration 1', 'Lower the learning rate'],
        check=_only_earlier_checkpoints),
    # --- checkpoints to resume from (tools/train.py --resume)
    'resume: checkpoint missing': Case(
        'train.py', _train(resume='{work_dir}/iter_99.pth'),
        ['iter_99.pth', 'does not exist', 'WORK_DIR/iter_N.pth'],
        check=_no_new_entries),
    'resume: checkpoint truncated': Case(
        'train.py', _train(resume='{images}/cut.pth'),
        ['cut.pth', 'not a readable PyTorch checkpoint', 'previous one'],
        check=_no_new_entries),
    'resume: checkpoint of another config': Case(
        'train.py',
        _train('train_dataloader.dataset.max_size=64',
               resume='{work_dir}/iter_24.pth'),
        ['does not fit this config', 'it has 4 generator scales, the '
         'config 5', 'config it was trained with'], check=_no_new_entries),
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
    # --- issue 15, 1: sizes, counts and factors (tools/apps.py, test.py)
    'apps sample: factors below the receptive field': Case(
        'apps.py', _apps('sample', '--factors', '0.01x0.01'),
        ['--factors 0.01x0.01', 'coarsest scale 1x1', '11x11 receptive '
         'field', 'use e.g. --factors 0.56x0.41']),
    'apps sample: factors over memory': Case(
        'apps.py', _apps('sample', '--factors', '1e9x1'),
        ['--factors 1e9x1', 'needs about', 'GB of memory',
         'The largest that fits is --factors ']),
    'apps sample: factors over --max-memory': Case(
        'apps.py', _apps('sample', '--factors', '3x3', '--max-memory',
                         '0.05'),
        ['4 samples at --factors 3x3', 'needs about 75 MB', '51 MB',
         'The largest that fits is --factors 2.43x2.43 or --num 2']),
    'apps sr: factor over memory': Case(
        'apps.py', _apps('sr', '--factor', '100', '--max-memory', '2'),
        ['--factor 100 on a 48x36', 'needs about 17.5 GB', '2.0 GB',
         'The largest that fits is --factor 33.68']),
    'apps animate: frames over memory': Case(
        'apps.py', _apps('animate', '--frames', '100000', '--max-memory',
                         '1'), ['--frames 100000', 'needs about',
                                'The largest that fits is --frames ']),
    'apps animate: fps 0': Case(
        'apps.py', _apps('animate', '--fps', '0'),
        ['--fps=0', 'positive number']),
    'apps inject: samples over memory': Case(
        'apps.py', _apps('inject', '--num', '100000', '--max-memory', '1'),
        ['--num 100000', 'needs about', 'The largest that fits is --num ']),
    'apps inject: a start scale out of range': Case(
        'apps.py', _apps('inject', '--start-scales', '0', '9'),
        ['--start-scales=9', 'scales 0..3', 'use 0..3']),
    'apps: --display-height over memory': Case(
        'apps.py', _apps('reconstruct', '--display-height', '1000000',
                         '--max-memory', '1'),
        ['--display-height 1000000', 'The largest that fits is '
         '--display-height ']),
    'test: samples over memory': Case(
        'test.py', lambda ctx: _test('{work_dir}/iter_24.pth')(ctx)[:5]
        + ['1000000', '--max-memory', '1'] + _test('')(ctx)[6:],
        ['--num-samples 1000000', 'needs about',
         'The largest that fits is --num-samples ']),
    'train: discriminator_steps over memory': Case(
        'train.py', _train('model.discriminator_steps=10000000'),
        ['model.discriminator_steps=10000000 needs about', '80% of the free '
         'memory', 'The largest that fits is model.discriminator_steps=']),
    'train: num_samples over memory': Case(
        'train.py', _train('custom_hooks.0.num_samples=100000000'),
        ['The largest that fits is custom_hooks.0.num_samples=']),
    'train: generator_steps not an integer': Case(
        'train.py', _train('model.generator_steps=2.5'),
        ['model.generator_steps=2.5 must be a positive integer']),
    # --- issue 15, 3: keys that the config does not have
    'cfg-options: misspelt dataset key': Case(
        'train.py', _train('train_dataloader.dataset.max_sise=48'),
        ['train_dataloader.dataset.max_sise',
         'did you mean train_dataloader.dataset.max_size?']),
    'cfg-options: misspelt top-level key': Case(
        'train.py', _train('randomnes.seed=5'),
        ['randomnes.seed', 'did you mean randomness?']),
    'cfg-options: misspelt model key': Case(
        'train.py', _train('train_cfg.iters_per_scal=3'),
        ['train_cfg.iters_per_scal', 'did you mean train_cfg.iters_per_scale?']),
    'cfg-options: misspelt generator key': Case(
        'train.py', _train('model.generator.kernel_sise=3'),
        ['did you mean model.generator.kernel_size?']),
    'cfg-options: misspelt hook key': Case(
        'train.py', _train('default_hooks.checkpoint.intervl=3'),
        ['did you mean default_hooks.checkpoint.interval?']),
    'cfg-options: misspelt custom hook key': Case(
        'train.py', _train('custom_hooks.0.num_sample=2'),
        ['did you mean custom_hooks.0.num_samples?']),
    'cfg-options: hook index out of range': Case(
        'train.py', _train('custom_hooks.5.interval=2'),
        ['custom_hooks is a list of 3', 'index 0..2']),
    'cfg-options: key under a number': Case(
        'train.py', _train('train_cfg.iters_per_scale.x=1'),
        ['train_cfg.iters_per_scale is 2000, not a dict',
         'Set train_cfg.iters_per_scale=VALUE']),
    'cfg-options: misspelt type': Case(
        'train.py', _train('model.generator.type=SinGANMultiScaleGeneratr'),
        ['no class or function of that name is registered',
         'did you mean SinGANMultiScaleGenerator?']),
    'cfg-options: load_from path with a space': Case(
        'train.py', _train('load_from={images}/my photos/a.pth'),
        ['myphotos/a.pth', 'removes spaces', 'rename the file']),
    'cfg-options: misspelt key (test.py)': Case(
        'test.py', _test('{work_dir}/iter_24.pth', 'test_cfg.pkl_dat=x'),
        ['did you mean test_cfg.pkl_data?']),
    'cfg-options: misspelt key (apps.py)': Case(
        'apps.py', _apps('reconstruct', options=['model.num_scale=3']),
        ['did you mean model.num_scales?']),
    # --- issue 15, 4: advice that works (the fixes are run below)
    'image 1x1': Case('train.py', _data('one.png'),
                      ['1x1 (WxH)', 'cannot be used at any setting',
                       'at least 11x11']),
    'image 10 px high': Case('train.py', _data('narrow.png'),
                             ['16x10 (WxH)', 'cannot be used']),
    'image 1000x20 capped below the network': Case(
        'train.py', _data('long.png'),
        ['1000x20 (WxH)', 'once capped to max_size=48 (48x1)',
         'set max_size >= 525 and min_size=11']),
    'min_size below the receptive field': Case(
        'train.py', _train('train_dataloader.dataset.min_size=5'),
        ['min_size=5', 'below 11 px', 'Set min_size >= 11']),
    'get_num_scales: image 1000x20': Case(
        'get_num_scales.py', _num_scales('{images}/long.png'),
        ['1000x20', 'once capped to max_size=250 (250x5)',
         'set max_size >= 525 and min_size=11']),
    # --- issue 15, 5: arrays that are not finite or not of their dtype
    'test: pickle with a NaN noise': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/nan_noise.pkl'),
        ['nan_noise.pkl', 'scale 0 has 1 non-finite values', 'leave '
         'test_cfg.pkl_data unset']),
    'test: pickle with integer noise': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/int_noise.pkl'),
        ['int_noise.pkl', 'dtype int64', 'expected float32']),
    'test: pickle with a text amplitude': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/str_weight.pkl'),
        ["noise_weights[0] is '1.0' (str)", 'expected a number']),
    'test: pickle with a float curr_stage': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/float_stage.pkl'),
        ['curr_stage is 3.5 (float)', 'integer']),
    'test: checkpoint with an inf buffer': Case(
        'test.py', _test('{images}/inf_buffer.pth'),
        ['inf_buffer.pth', 'running_var holds 1 non-finite',
         'WORK_DIR/iter_N.pth']),
    'test: checkpoint with NaN weights': Case(
        'test.py', _test('{images}/nan_weight.pth'),
        ['nan_weight.pth', 'conv.weight holds', 'non-finite']),
    'resume: checkpoint with an inf buffer': Case(
        'train.py', _train(resume='{images}/inf_buffer.pth'),
        ['inf_buffer.pth', 'running_var holds 1 non-finite'],
        check=_no_new_entries),
    'apps: checkpoint with an inf buffer': Case(
        'apps.py', lambda ctx: ['reconstruct', TINY_CONFIG,
                                f'{ctx["images"]}/inf_buffer.pth',
                                '--out-dir', f'{ctx["work_dir"]}/apps',
                                '--cfg-options', *TINY_OPTIONS],
        ['inf_buffer.pth', 'non-finite']),
    # --- issue 15, 6: paths with spaces through --cfg-options
    'cfg-options: image path with a space': Case(
        'train.py', _train('train_dataloader.dataset.data_root={images}/my '
                           'photos/x.png'),
        ['myphotos/x.png', 'from --cfg-options', 'does not exist',
         'removes spaces', "--image '"]),
    'cfg-options: pickle path with a space': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/my photos/a.pkl'),
        ['myphotos/a.pkl', 'removes spaces', "--pkl '"]),
    'cfg-options: unquoted path with a space': Case(
        'train.py', lambda ctx: _train()(ctx) + [
            f'train_dataloader.dataset.data_root={ctx["images"]}/my',
            'photos/x.png'],
        ["'photos/x.png' is not KEY=VALUE", "--image 'PATH'"]),
    # --- issue 15, 7: smaller ones
    'earlier run in the work dir': Case(
        'train.py', _train(),
        ['holds the checkpoints of an earlier run', 'iter_24.pth',
         '--resume', '--overwrite']),
    'work dir is a symlink loop': Case(
        'train.py', lambda ctx: _train()(dict(ctx, work_dir=osp.join(
            ctx['images'], 'loop', 'run'))),
        ['loop', 'symbolic link loop', '--work-dir']),
    'image is a symlink loop': Case(
        'train.py', _data('loop'), ['symbolic link loop']),
    # --- issue 25, 2: settings of the wrong type or out of range; every
    # member of each class is in tests/test_settings_schema.py
    'settings: generator num_layers=2 (was UnboundLocalError)': Case(
        'train.py', _train('model.generator.num_layers=2'),
        ['model.generator.num_layers=2 must be an integer >= 3',
         '--cfg-options model.generator.num_layers=5']),
    'settings: seed abc (was a numpy traceback)': Case(
        'train.py', _train('randomness.seed=abc'),
        ["randomness.seed='abc' (a str)", '[0, 4294967295]']),
    'settings: noise_weight_init=-1 (was trained, then refused)': Case(
        'train.py', _train('model.noise_weight_init=-1'),
        ['model.noise_weight_init=-1', '(0, 5]', 'the paper uses 0.1']),
    'settings: max_size=-5 (was: lower min_size)': Case(
        'train.py', _train('train_dataloader.dataset.max_size=-5'),
        ['max_size=-5 must be a positive integer', 'max_size=250'],
        absent=['Lower min_size']),
    'settings: max_size=nan (was: cannot convert float NaN)': Case(
        'train.py', _train('train_dataloader.dataset.max_size=nan'),
        ['max_size=nan must be a positive integer']),
    'settings: NaN loss weight (was stopped late)': Case(
        'train.py', _train('model.recon_weight=nan'),
        ['model.recon_weight=nan must be a finite number >= 0'],
        absent=['learning rate']),
    'test: --device cuda:99': Case(
        'test.py', lambda ctx: _test('{work_dir}/iter_24.pth')(ctx) + [
            '--device', 'cuda:99'], ["--device 'cuda:99'"]),
    'apps: --device cuda:99': Case(
        'apps.py', _apps('reconstruct', '--device', 'cuda:99'),
        ["--device 'cuda:99'"]),
    # --- issue 25, 1 and 3: the work dir, pickles, full disks
    'resume: last_checkpoint deleted, no complete pair': Case(
        'train.py', _train(before=['--resume']),
        ['last_checkpoint is missing', 'no complete checkpoint',
         'iter_24.pth: its pickle', '--resume PATH', '--overwrite'],
        prepare=_no_last_checkpoint_nor_pickles, check=_no_new_entries),
    'resume: last_checkpoint is a folder': Case(
        'train.py', _train(before=['--resume']),
        ['last_checkpoint is a folder', 'Move or remove that folder'],
        prepare=_last_checkpoint_folder, check=_no_new_entries),
    'new run: last_checkpoint is a folder': Case(
        'train.py', _train(),
        ['last_checkpoint is a folder', 'Move or remove that folder'],
        prepare=_last_checkpoint_folder, check=_no_new_entries),
    'test: pickle amplitude 1e30 at scale 2 (was accepted)': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/amp_1e30.pkl'),
        ['amp_1e30.pkl', 'noise_weights[2]=1e+30', '[0, 10]']),
    'test: pickle amplitude NaN at scale 1': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/amp_nan.pkl'),
        ['amp_nan.pkl', 'noise_weights[1]=nan', '[0, 10]']),
    'test: pickle amplitude negative at scale 3': Case(
        'test.py', _test('{work_dir}/iter_24.pth',
                         'test_cfg.pkl_data={images}/amp_negative.pkl'),
        ['amp_negative.pkl', 'noise_weights[3]=-0.05', '[0, 10]']),
    'apps: pickle amplitude 1e30': Case(
        'apps.py', _apps('sample', '--pkl', '{images}/amp_1e30.pkl'),
        ['amp_1e30.pkl', 'noise_weights[2]=1e+30', '[0, 10]']),
    'disk full before the start': Case(
        'train.py', _train(), ['.singan.lock', 'the disk is full',
                               'Free space', '--work-dir'],
        env=fault_env('enospc-write:disk_full_before'), fresh=True,
        absent=['Logging error']),
    'test: disk full under --out-dir': Case(
        'test.py', _test('{work_dir}/iter_24.pth'),
        ['sample_00.png', 'the disk is full', 'run the command again'],
        env=fault_env('enospc:sample_00.png'), absent=['--resume']),
    'test: --out-dir not writable': Case(
        'test.py', lambda ctx: _test('{work_dir}/iter_24.pth')(ctx)[:3] + [
            osp.join(ctx['work_dir'], 'last_checkpoint', 'out')] +
        _test('{work_dir}/iter_24.pth')(ctx)[4:],
        ['last_checkpoint/out', 'given with --out-dir is not writable',
         'with --out-dir']),
}


def _hashes(folder: str) -> Dict[str, str]:
    """sha256 of every output file under ``folder``, by relative path.

    The config copy at the top (``singan_balloons.py``) is included: a new
    run writes its config into its own log folder, and to the top only
    after it has finished (``singan.work_dir.SinGANRunner``).
    """
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
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
    sizes = {'one.png': (1, 1), 'narrow.png': (10, 16),
             'long.png': (20, 1000)}
    for name, (height, width) in sizes.items():
        cv2.imwrite(osp.join(folder, name), np.full((height, width, 3), 128,
                                                    np.uint8))
    os.makedirs(osp.join(folder, 'my photos'))
    shutil.copy(BALLOONS, osp.join(folder, 'my photos', 'x.png'))
    os.symlink('loop', osp.join(folder, 'loop'))
    _bad_checkpoints(folder, tiny_run.checkpoint)
    state = load_pickle(tiny_run.pickle)
    noises = [n.copy() for n in state['fixed_noises']]
    noises[0][0, 0, 3, 4] = np.nan
    bad = {
        'nan_noise.pkl': dict(state, fixed_noises=noises),
        'int_noise.pkl': dict(state, fixed_noises=[
            n.astype(np.int64) for n in state['fixed_noises']]),
        'str_weight.pkl': dict(state, noise_weights=[
            str(w) for w in state['noise_weights']]),
        'float_stage.pkl': dict(state, curr_stage=3.5),
        'wrong_keys.pkl': {'noises': state['fixed_noises']},
        'amp_1e30.pkl': dict(state, noise_weights=_amplitude(state, 2, 1e30)),
        'amp_nan.pkl': dict(state, noise_weights=_amplitude(state, 1,
                                                            float('nan'))),
        'amp_negative.pkl': dict(state, noise_weights=_amplitude(state, 3,
                                                                 -0.05)),
        'many_scales.pkl': dict(state, curr_stage=6),
        'wrong_shape.pkl': dict(state, fixed_noises=state['fixed_noises'][:2]
                                + [state['fixed_noises'][2][0]]
                                + state['fixed_noises'][3:]),
    }
    for name, data in bad.items():
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(data, f)


def _amplitude(state: dict, scale: int, value: float) -> list:
    """The pickle's noise amplitudes with the one of ``scale`` replaced."""
    weights = list(state['noise_weights'])
    weights[scale] = value
    return weights


def _bad_checkpoints(folder: str, checkpoint: str) -> None:
    """Copies of a checkpoint with one inf buffer, and with NaN weights."""
    import torch
    ckpt = torch.load(checkpoint, weights_only=False)
    weights = ckpt['state_dict']
    var = next(k for k in weights if k.endswith('running_var'))
    weights[var][0] = float('inf')
    torch.save(ckpt, osp.join(folder, 'inf_buffer.pth'))
    weights[var][0] = 1.0
    conv = next(k for k in weights if k.endswith('conv.weight'))
    weights[conv].view(-1)[:5] = float('nan')
    torch.save(ckpt, osp.join(folder, 'nan_weight.pth'))


def _run_case(name: str, case: Case, base: str, tiny_run) -> dict:
    """Copy the earlier run, run the case's command on it."""
    slug = ''.join(c if c.isalnum() else '_' for c in name)
    work_dir = osp.join(base, 'runs', slug)
    if case.fresh:
        os.makedirs(work_dir)
    else:
        shutil.copytree(tiny_run.work_dir, work_dir)
    ctx = dict(work_dir=work_dir, images=osp.join(base, 'inputs'))
    if case.prepare:
        case.prepare(ctx)
    ctx.update(earlier_entries=sorted(os.listdir(work_dir)),
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


def _selected_cases(request) -> List[str]:
    """The cases of this session's selection (``-k``), in table order."""
    names = {item.callspec.params['name'] for item in request.session.items
             if getattr(item, 'originalname', '') ==
             'test_bad_input_gets_one_clear_message'}
    return [name for name in CASES if name in names]


@pytest.fixture(scope='module')
def results(tiny_run, tmp_path_factory, request) -> Dict[str, dict]:
    """Run every selected case once, two at a time."""
    base = str(tmp_path_factory.mktemp('bad_inputs'))
    _make_inputs(osp.join(base, 'inputs'), tiny_run)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(_run_case, name, CASES[name], base, tiny_run)
            for name in _selected_cases(request)
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
    for fragment in case.absent:
        assert fragment not in output, output[-3000:]
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


@pytest.mark.trains
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
