# SinGAN on bohemian.png (not bundled: put it at data/singan/), as mmagic.
_base_ = ['./_base_/singan.py']

num_scales = 10
model = dict(num_scales=num_scales)
train_dataloader = dict(
    dataset=dict(data_root='data/singan/bohemian.png', max_size=500))
