# SinGAN on stone.png for editing and samples (docs/applications.md).
# Small CPU schedule: finest scale 128 px, 200 iterations per scale (the
# paper: 250 px, 2000). num_scales is derived from the image.
_base_ = ['./_base_/singan.py']

iters_per_scale = 200
model = dict(
    iters_per_scale=iters_per_scale,
    lr_scheduler_args=dict(milestones=[int(iters_per_scale * 0.8)]))
train_dataloader = dict(
    dataset=dict(data_root='data/singan/stone.png', max_size=128))
default_hooks = dict(
    logger=dict(interval=40), checkpoint=dict(interval=iters_per_scale))
