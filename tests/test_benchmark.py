"""Smoke test of tools/benchmark.py on a tiny config (no timing checks)."""
import json

import pytest

from conftest import BALLOONS, TINY_CONFIG, run_tool

#: 3 scales up to 32x24, 2 iterations of each timed.
OPTIONS = [
    'model.num_scales=None', 'train_dataloader.dataset.max_size=32',
    'train_dataloader.dataset.min_size=18',
    f'train_dataloader.dataset.data_root={BALLOONS}'
]


@pytest.mark.trains  # times training iterations
def test_benchmark_writes_json_and_table(tmp_path):
    out = tmp_path / 'bench.json'
    proc = run_tool('benchmark.py', TINY_CONFIG, '--warmup', '1', '--iters',
                    '2', '--flops', '--threads', '1', '--out', str(out),
                    '--cfg-options', *OPTIONS)
    result = json.loads(out.read_text())
    scales = result['scales']
    assert [s['scale'] for s in scales] == list(range(len(scales)))
    assert len(scales) >= 2 and result['all_scales_timed']
    assert scales[-1]['size'] == [24, 32]
    for s in scales:
        assert len(s['times_s']) == 2 and s['median_s'] > 0
        assert s['gflop'] > 0
    # Bigger scales cost more FLOPs (a counting check, not a timing one).
    assert scales[-1]['gflop'] > scales[0]['gflop']
    assert abs(result['sum_s'] - sum(s['median_s'] for s in scales)) < 1e-9
    assert result['projected_full_s'] == \
        result['sum_s'] * result['iters_per_scale']
    assert result['threads'] == 1 and result['device'].startswith('cpu')
    assert len(result['loadavg_before']) == 3
    assert result['peak_memory_mib'] > 0
    assert '| scale | size (HxW) |' in proc.stdout
    assert 'projected 2000 iters/scale' in proc.stdout


def test_benchmark_rejects_bad_iters():
    proc = run_tool('benchmark.py', TINY_CONFIG, '--iters', '0',
                    check=False)
    assert proc.returncode == 2
    assert '--iters=0' in proc.stderr + proc.stdout


@pytest.mark.trains
def test_preset_study_trains_evaluates_and_resumes(tmp_path):
    # Two tiny candidates, one image, 2 samples: every run's metrics, the
    # table, and a second call that reuses the finished runs.
    args = ['--images', BALLOONS, '--max-size', '32', '--num-samples', '2',
            '--sample-seeds', '0', '--out-dir', str(tmp_path),
            '--candidate', 'a=singan_balloons_fast:train_cfg.iters_per_scale'
            '=2,train_dataloader.dataset.min_size=18',
            '--candidate', 'b=singan_balloons:train_cfg.iters_per_scale=2,'
            'train_dataloader.dataset.min_size=18']
    proc = run_tool('preset_study.py', *args)
    runs = json.loads((tmp_path / 'results.json').read_text())['runs']
    assert [r['candidate'] for r in runs] == ['a', 'b']
    for run in runs:
        assert run['train']['wall_s'] > 0
        assert set(run['metrics']) == {
            'swd_avg', 'swd_coarsest', 'diversity', 'recon_rmse',
            'patch_nn_rmse', 'patch_copy_fraction'}
        levels = json.loads((tmp_path / 'runs' / f'balloons_{run["candidate"]}'
                             '_seed0' / 'metrics_seed0.json').read_text())
        coarsest = min(int(k[4:]) for k in levels if k[4:].isdigit())
        assert run['metrics']['swd_coarsest'] == levels[f'swd_{coarsest}']
    assert '| balloons | a | 1 |' in proc.stdout
    again = run_tool('preset_study.py', *args)
    assert json.loads((tmp_path / 'results.json').read_text())['runs'] == \
        runs
    assert again.stdout.splitlines()[-1] == proc.stdout.splitlines()[-1]
    bad = run_tool('preset_study.py', *args[:-2], '--candidate', 'nope',
                   check=False)
    assert bad.returncode == 2 and 'NAME=CONFIG' in bad.stderr
