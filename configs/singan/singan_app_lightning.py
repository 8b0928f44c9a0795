# SinGAN on lightning1.png for animation (docs/applications.md).
# As the authors' animation.py: min_size 20. Small CPU schedule
# (_base_/singan_app.py): finest scale 96 px, 120 iterations per scale.
_base_ = ['./_base_/singan_app.py']

train_dataloader = dict(
    dataset=dict(data_root='data/singan/lightning1.png', min_size=20))
