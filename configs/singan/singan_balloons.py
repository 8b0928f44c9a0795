# SinGAN on balloons.png (248x186): 9 scales, the paper's schedule.
_base_ = ['./_base_/singan.py']

num_scales = 8
model = dict(
    num_scales=num_scales,
    test_pkl_data=None)
train_dataloader = dict(
    dataset=dict(data_root='data/singan/balloons.png', max_size=300))
