# SinGAN on lightning1.png for animation (docs/applications.md).
# As the authors' animation.py: min_size 20. Small CPU schedule: finest
# scale 96 px, 120 iterations per scale.
_base_ = ['./_base_/singan.py']

iters_per_scale = 120
model = dict(
    iters_per_scale=iters_per_scale,
    lr_scheduler_args=dict(milestones=[int(iters_per_scale * 0.8)]))
train_dataloader = dict(
    dataset=dict(
        data_root='data/singan/lightning1.png', max_size=96, min_size=20))
default_hooks = dict(
    logger=dict(interval=40), checkpoint=dict(interval=iters_per_scale))
