# SinGAN on fish-crop.jpg (not bundled: put it at data/singan/), as mmagic.
_base_ = ['./_base_/singan.py']

num_scales = 10
model = dict(num_scales=num_scales)
train_dataloader = dict(
    dataset=dict(data_root='data/singan/fish-crop.jpg', max_size=300))
