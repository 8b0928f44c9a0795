# SinGAN on stone.png for editing and samples (docs/applications.md).
# A larger CPU schedule than the other applications: finest scale 128 px,
# 200 iterations per scale (the paper: 250 px, 2000). num_scales is derived
# from the image.
_base_ = ['./_base_/singan_app.py']

iters_per_scale = 200
model = dict(
    iters_per_scale=iters_per_scale,
    lr_scheduler_args=dict(milestones=[int(iters_per_scale * 0.8)]))
train_dataloader = dict(
    dataset=dict(data_root='data/singan/stone.png', max_size=128))
default_hooks = dict(checkpoint=dict(interval=iters_per_scale))
