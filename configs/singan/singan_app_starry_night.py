# SinGAN on starry_night.png for harmonization (docs/applications.md).
# Small CPU schedule (_base_/singan_app.py): finest scale 96 px, 120
# iterations per scale (the paper: 250 px, 2000). num_scales is derived from
# the image.
_base_ = ['./_base_/singan_app.py']

train_dataloader = dict(
    dataset=dict(data_root='data/singan/starry_night.png'))
