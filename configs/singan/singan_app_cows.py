# SinGAN on cows.png for paint-to-image (docs/applications.md).
# Small CPU schedule (_base_/singan_app.py): finest scale 96 px, 120
# iterations per scale.
_base_ = ['./_base_/singan_app.py']

train_dataloader = dict(dataset=dict(data_root='data/singan/cows.png'))
