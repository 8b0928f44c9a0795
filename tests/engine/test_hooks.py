"""Our hooks inside a real Runner, on mmengine's ``RunnerTestCase``.

``RunnerTestCase`` gives each test its own work dir and clears mmengine's
global instances (loggers, visualizers, message hubs) afterwards, so runs
of several tests in one process do not see each other's state.
"""
import glob
import json
import os.path as osp

import cv2
import pytest
from conftest import TINY_CONFIG, TINY_OPTIONS, config_with_options
from mmengine.config import Config
from mmengine.testing import RunnerTestCase

from singan.config import prepare_config


class TestHooksInRunner(RunnerTestCase):

    def tiny_cfg(self, *options: str) -> Config:
        """The tiny schedule (4 scales x 6 iterations) in the test's dir."""
        cfg = config_with_options(TINY_CONFIG, [*TINY_OPTIONS, *options])
        cfg.work_dir = self.temp_dir.name
        prepare_config(cfg)
        return cfg

    @pytest.mark.trains
    def test_snapshots_reach_the_visualizer_and_the_png(self):
        # Every finished scale's grid goes to the visualizer's backends
        # (here LocalVisBackend; TensorBoard or W&B the same way) and to
        # snapshots/scale_<s>.png.
        cfg = self.tiny_cfg()
        cfg.visualizer = dict(type='Visualizer',
                              vis_backends=[dict(type='LocalVisBackend')])
        runner = self.build_runner(cfg)
        runner.train()
        sent = sorted(glob.glob(osp.join(runner.log_dir, 'vis_data',
                                         'vis_image', 'scale_*.png')))
        assert [osp.basename(p).split('_')[1] for p in sent] == \
            ['0', '1', '2', '3']
        for scale, path in enumerate(sent):
            local = osp.join(self.temp_dir.name, 'snapshots',
                             f'scale_{scale}.png')
            assert (cv2.imread(path) == cv2.imread(local)).all()

    @pytest.mark.trains
    def test_progress_file_follows_the_loop(self):
        cfg = self.tiny_cfg()
        cfg.custom_hooks.append(dict(type='ProgressFileHook'))
        runner = self.build_runner(cfg)
        runner.train()
        with open(osp.join(self.temp_dir.name, 'progress.json')) as f:
            progress = json.load(f)
        assert (progress['iter'], progress['max_iters']) == (24, 24)
        assert (progress['scale'], progress['num_scales']) == (3, 4)
        assert progress['percent'] == 100.0
        assert progress['snapshot'].endswith(osp.join('snapshots',
                                                      'scale_3.png'))
        assert osp.isfile(progress['checkpoint'])
