"""Compare training presets: wall time and sample quality, image by image.

    python tools/preset_study.py --images data/singan/balloons.png \
        data/singan/stone.png --max-size 128 --train-seeds 0 1 \
      --candidate fast150=singan_balloons_fast:train_cfg.iters_per_scale=150 \
      --candidate consingan60=consingan_balloons:train_cfg.iters_per_scale=60 \
        --out-dir benchmarks/presets_128

Each candidate is ``NAME=CONFIG[:KEY=VALUE,...]`` (a config name or path,
then overrides). For every image, candidate and training seed the study
runs ``tools/train.py`` (``num_scales`` derived from the image, the image
capped at ``--max-size``) and times the whole command, then runs
``tools/evaluate.py`` for every sample seed (``--num-samples`` samples:
SWD, diversity, reconstruction RMSE, nearest-neighbour patch distance) and
keeps its grid. ``results.json`` holds every run with the machine's load
before and after; ``results.md`` the table of means per image and
candidate. A finished run (its metrics file exists) is not repeated, so an
interrupted study continues where it stopped.
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import time
from typing import Dict, List

import _bootstrap  # noqa: F401
import torch

from singan.cli import run_cli
from singan.resources import find_config

TOOLS = osp.dirname(osp.abspath(__file__))
#: Metrics averaged in the table, in its column order.
COLUMNS = ('swd_avg', 'swd_coarsest', 'diversity', 'recon_rmse', 'patch_nn_rmse',
           'patch_copy_fraction')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Compare training presets')
    parser.add_argument('--images', nargs='+', required=True)
    parser.add_argument('--candidate', action='append', required=True,
                        help='NAME=CONFIG[:KEY=VALUE,...]')
    parser.add_argument('--max-size', type=int, required=True,
                        help='long side of the finest scale')
    parser.add_argument('--train-seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--sample-seeds', type=int, nargs='+',
                        default=[0, 1])
    parser.add_argument('--num-samples', type=int, default=50)
    parser.add_argument('--out-dir', required=True)
    return parser.parse_args()


def parse_candidate(text: str) -> Dict:
    """``NAME=CONFIG[:K=V,...]`` -> name, config path and options."""
    name, sep, rest = text.partition('=')
    if not sep or not name:
        raise ValueError(f'--candidate {text!r}: use NAME=CONFIG[:K=V,...], '
                         'e.g. fast=singan_balloons_fast:'
                         'train_cfg.iters_per_scale=150')
    config, _, options = rest.partition(':')
    return dict(name=name, config=find_config(config),
                options=[o for o in options.split(',') if o])


def run_timed(cmd: List[str], log: str) -> Dict:
    """Run ``cmd``, its output to ``log``; wall seconds and the load."""
    before = os.getloadavg()
    start = time.monotonic()
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                              env=dict(os.environ, PYTHONHASHSEED='0'))
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed; see {log}')
    return dict(wall_s=wall, loadavg_before=before,
                loadavg_after=os.getloadavg())


def with_coarsest(metrics: Dict) -> Dict:
    """Add ``swd_coarsest``: the SWD of the smallest Laplacian level.

    The coarsest level shows layout failures (objects grown into blobs,
    a broken arch) that the finer levels' texture statistics average away.

    Args:
        metrics (dict): ``tools/evaluate.py``'s output, with ``swd_<height>``
            per level.

    Returns:
        dict: The same metrics with ``swd_coarsest``.
    """
    levels = {int(k[4:]): v for k, v in metrics.items()
              if k.startswith('swd_') and k[4:].isdigit()}
    return dict(metrics, swd_coarsest=levels[min(levels)])


def mean_metrics(work: str, sample_seeds: List[int]) -> Dict:
    """Means over the sample seeds of one run's metric files."""
    metrics = []
    for sample_seed in sample_seeds:
        with open(osp.join(work, f'metrics_seed{sample_seed}.json')) as f:
            metrics.append(with_coarsest(json.load(f)))
    return {k: statistics.mean(m[k] for m in metrics) for k in COLUMNS}


def train_and_evaluate(image: str, cand: Dict, seed: int, args) -> Dict:
    """One training run and its metrics for every sample seed."""
    stem = osp.splitext(osp.basename(image))[0]
    work = osp.abspath(osp.join(args.out_dir, 'runs',
                                f'{stem}_{cand["name"]}_seed{seed}'))
    done = osp.join(work, 'result.json')
    if osp.isfile(done):
        with open(done) as f:
            result = json.load(f)
        if set(COLUMNS) - set(result['metrics']):  # a run of an older study
            result['metrics'] = mean_metrics(work, args.sample_seeds)
        return result
    options = [f'train_dataloader.dataset.data_root={osp.abspath(image)}',
               f'train_dataloader.dataset.max_size={args.max_size}',
               'model.num_scales=None', f'randomness.seed={seed}',
               *cand['options']]
    os.makedirs(work, exist_ok=True)
    train = run_timed([sys.executable, osp.join(TOOLS, 'train.py'),
                       cand['config'], '--work-dir', work, '--overwrite',
                       '--cfg-options', *options], osp.join(work, 'train.out'))
    with open(osp.join(work, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    for sample_seed in args.sample_seeds:
        out = osp.join(work, f'metrics_seed{sample_seed}.json')
        run_timed([sys.executable, osp.join(TOOLS, 'evaluate.py'),
                   cand['config'], ckpt, '--num-samples',
                   str(args.num_samples), '--seed', str(sample_seed),
                   '--swd-seed', str(sample_seed), '--out', out, '--grid',
                   osp.join(work, f'grid_seed{sample_seed}.png'),
                   '--cfg-options', *options], out + '.log')
    result = dict(image=stem, candidate=cand['name'], config=cand['config'],
                  options=options, train_seed=seed, train=train,
                  metrics=mean_metrics(work, args.sample_seeds))
    with open(done, 'w') as f:
        json.dump(result, f, indent=1)
    return result


def table(results: List[Dict]) -> str:
    """Markdown table: means over training seeds per image and candidate."""
    rows = ['| image | candidate | seeds | train wall (s) | '
            + ' | '.join(COLUMNS) + ' |', '|---' * (4 + len(COLUMNS)) + '|']
    keys = sorted({(r['image'], r['candidate']) for r in results},
                  key=lambda k: (k[0], [r['candidate'] for r in results]
                                 .index(k[1])))
    for image, cand in keys:
        runs = [r for r in results
                if (r['image'], r['candidate']) == (image, cand)]
        wall = [r['train']['wall_s'] for r in runs]
        cells = [f'{statistics.mean(wall):.0f} ({min(wall):.0f}-'
                 f'{max(wall):.0f})']
        cells += [f'{statistics.mean(r["metrics"][k] for r in runs):.4g}'
                  for k in COLUMNS]
        rows.append(f'| {image} | {cand} | {len(runs)} | '
                    + ' | '.join(cells) + ' |')
    return '\n'.join(rows)


def main() -> None:
    args = parse_args()
    candidates = [parse_candidate(c) for c in args.candidate]
    os.makedirs(args.out_dir, exist_ok=True)
    results = []
    for image in args.images:
        for cand in candidates:
            for seed in args.train_seeds:
                result = train_and_evaluate(image, cand, seed, args)
                results.append(result)
                print(f'{result["image"]} {cand["name"]} seed {seed}: '
                      f'{result["train"]["wall_s"]:.0f} s, '
                      f'{json.dumps(result["metrics"])}', flush=True)
    machine = dict(cpu_count=os.cpu_count(), torch=torch.__version__,
                   threads=torch.get_num_threads(),
                   processor=platform.processor() or platform.machine(),
                   max_size=args.max_size, num_samples=args.num_samples,
                   sample_seeds=args.sample_seeds)
    with open(osp.join(args.out_dir, 'results.json'), 'w') as f:
        json.dump(dict(machine=machine, runs=results), f, indent=1)
    text = table(results)
    with open(osp.join(args.out_dir, 'results.md'), 'w') as f:
        f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    sys.exit(run_cli(main))
