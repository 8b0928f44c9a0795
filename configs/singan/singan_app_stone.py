# SinGAN on stone.png for editing and samples (docs/applications.md).
# A larger CPU schedule than the other applications: finest scale 128 px,
# 200 iterations per scale (the paper: 250 px, 2000). num_scales is derived
# from the image.
_base_ = ['./_base_/singan_app.py']

train_cfg = dict(iters_per_scale=200)
train_dataloader = dict(
    dataset=dict(data_root='data/singan/stone.png', max_size=128))
