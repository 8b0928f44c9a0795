# SinGAN on cows.png for paint-to-image (docs/applications.md).
# Small CPU schedule: finest scale 112 px, 150 iterations per scale.
_base_ = ['./_base_/singan.py']

iters_per_scale = 150
model = dict(
    iters_per_scale=iters_per_scale,
    lr_scheduler_args=dict(milestones=[int(iters_per_scale * 0.8)]))
train_dataloader = dict(
    dataset=dict(data_root='data/singan/cows.png', max_size=112))
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=iters_per_scale))
