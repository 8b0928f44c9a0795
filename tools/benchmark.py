"""Time SinGAN training per scale: s per iteration, memory, GFLOP/s.

    python tools/benchmark.py configs/singan/singan_balloons.py \
        --out benchmarks/cpu_paper.json
    python tools/benchmark.py CONFIG --scales 0 1 2 3 --iters 5 --flops

For every scale (coarsest first) the model starts the scale with the train
loop's own code (``singan.engine``: ``start_scale``, ``scale_threads``,
``time_iterations``), runs ``--warmup`` untimed iterations, then ``--iters``
timed ones, and reports their median. The sum over scales times
``iters_per_scale`` projects the full schedule. Writes JSON (``--out``) and
prints a table. Runs on the GPU when ``--device cuda`` (default: cuda if
available).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from typing import Dict, List

import _bootstrap  # noqa: F401
import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from singan.cli import run_cli
from singan.config import prepare_config
from singan.engine import scale_threads, start_scale, time_iterations
from singan.registry import DATASETS, MODELS

#: Two cores at ~150 GFLOP/s each on large fp32 convs (issue #4's estimate).
DEFAULT_CEILING_GFLOPS = 300.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark SinGAN training')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed iterations per scale')
    parser.add_argument('--iters', type=int, default=3,
                        help='timed iterations per scale (median reported)')
    parser.add_argument('--scales', type=int, nargs='+',
                        help='scales to time (default: all)')
    parser.add_argument('--device', help="'cpu' or 'cuda' (default: cuda if "
                        'available)')
    parser.add_argument('--threads', type=int,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--flops', action='store_true',
                        help='count FLOPs of one extra iteration per scale')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='print the N ops of most self CPU time of one '
                        'extra iteration per scale (torch.profiler)')
    parser.add_argument('--ceiling-gflops', type=float,
                        default=DEFAULT_CEILING_GFLOPS,
                        help='machine ceiling printed next to GFLOP/s')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='JSON result file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value pairs')
    return parser.parse_args()


def build(cfg: Config, device: str):
    """Model, optimizer wrappers and the real pyramid of a config."""
    with DefaultScope.overwrite_default_scope('singan'):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        model = MODELS.build(cfg.model).to(device)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    reals = [r.to(device) for r in dataset.pyramid()]
    return model, optim, reals


class FlopCount(TorchDispatchMode):
    """Counts the FLOPs of convolutions and matmuls, backward included.

    torch's ``FlopCounterMode`` tracks modules with hooks that fail on the
    gradient penalty's ``autograd.grad``; this mode only sees aten ops and
    uses torch's per-op FLOP formulas.
    """

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **(kwargs or {}), out_val=out)
        return out


def time_scale(model, optim, data: dict, args, device: str) -> Dict:
    """Median seconds per iteration (and FLOPs) at the current scale."""
    times = time_iterations(model, optim, data, iters=args.iters,
                            warmup=args.warmup)
    result = dict(median_s=statistics.median(times), times_s=times)
    if args.flops:
        with FlopCount() as counter:
            model.train_step(data, optim)
        gflop = counter.total / 1e9
        result.update(gflop=gflop, gflops_per_s=gflop / result['median_s'])
    if args.profile:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            model.train_step(data, optim)
        top = prof.key_averages().table(sort_by='self_cpu_time_total',
                                        row_limit=args.profile)
        print(top)
        result['profile'] = top
    return result


def peak_memory_mib(device: str) -> float:
    """Peak memory of this process (CPU: max RSS; GPU: max allocated)."""
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(cfg: Config, args, device: str) -> Dict:
    """Benchmark every selected scale; returns the JSON-ready result."""
    torch.manual_seed(args.seed)
    model, optim, reals = build(cfg, device)
    model.train()
    data = {f'real_scale{i}': r for i, r in enumerate(reals)}
    wanted = set(args.scales if args.scales is not None else
                 range(model.num_scales + 1))
    load_before = os.getloadavg()
    scales: List[Dict] = []
    threads = cfg.train_cfg.get('single_thread_pixels', 4096)
    for scale in range(max(wanted) + 1):
        start_scale(model, optim, scale, reals)
        if scale not in wanted:
            continue
        with scale_threads(reals[scale], threads):
            result = time_scale(model, optim, data, args, device)
        result.update(scale=scale, size=list(reals[scale].shape[-2:]))
        scales.append(result)
        print(f'scale {scale} {tuple(result["size"])}: '
              f'{result["median_s"]:.4f} s/iter', flush=True)
    per_iter = sum(s['median_s'] for s in scales)
    iters = cfg.train_cfg.iters_per_scale
    return dict(
        config=args.config, cfg_options=args.cfg_options,
        image=cfg.train_dataloader.dataset.data_root,
        scales=scales, sum_s=per_iter,
        coarsest4_s=sum(s['median_s'] for s in scales if s['scale'] < 4),
        iters_per_scale=iters, projected_full_s=per_iter * iters,
        all_scales_timed=len(scales) == model.num_scales + 1,
        peak_memory_mib=peak_memory_mib(device),
        torch=torch.__version__, threads=torch.get_num_threads(),
        device=_device_name(device), loadavg_before=load_before,
        loadavg_after=os.getloadavg(), cpu_count=os.cpu_count(),
        ceiling_gflops=args.ceiling_gflops, warmup=args.warmup,
        timed_iters=args.iters,
        date=time.strftime('%Y-%m-%d %H:%M:%S'))


def _device_name(device: str) -> str:
    if device.startswith('cuda'):
        return f'cuda: {torch.cuda.get_device_name()}'
    return f'cpu: {platform.processor() or platform.machine()}'


def table(result: Dict) -> str:
    """The result as a Markdown table plus a summary line."""
    flops = 'gflop' in (result['scales'] or [{}])[0]
    head = '| scale | size (HxW) | median s/iter |'
    head += ' GFLOP/iter | GFLOP/s (ceiling) |' if flops else ''
    lines = [head, '|' + '---|' * (head.count('|') - 1)]
    for s in result['scales']:
        row = (f'| {s["scale"]} | {s["size"][0]}x{s["size"][1]} | '
               f'{s["median_s"]:.4f} |')
        if flops:
            row += (f' {s["gflop"]:.1f} | {s["gflops_per_s"]:.0f} '
                    f'({result["ceiling_gflops"]:.0f}) |')
        lines.append(row)
    load = ', '.join(f'{x:.2f}' for x in result['loadavg_before'])
    lines.append(
        f'\nsum {result["sum_s"]:.3f} s/iter, four coarsest '
        f'{result["coarsest4_s"]:.3f} s, projected '
        f'{result["iters_per_scale"]} iters/scale: '
        f'{result["projected_full_s"] / 3600:.2f} h, peak memory '
        f'{result["peak_memory_mib"]:.0f} MiB; torch {result["torch"]}, '
        f'{result["threads"]} threads, {result["device"]}, load {load}')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    if args.iters < 1 or args.warmup < 0:
        raise ValueError(f'--iters={args.iters} must be >= 1 and --warmup='
                         f'{args.warmup} >= 0.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    prepare_config(cfg)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    result = run(cfg, args, device)
    print(table(result))
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
        print(f'Wrote {os.path.abspath(args.out)}')


if __name__ == '__main__':
    sys.exit(run_cli(main))
