# SinGAN for x4 super-resolution of 33039_LR.png (docs/applications.md).
# As the authors' SR.py: the ratio between scales is 2^(-1/3) (~0.794) so
# that x4 is a few applications of the finest generator (the exact per-step
# ratio comes from the trained sizes), and the reconstruction weight
# (alpha) is 100. Small CPU schedule (_base_/singan_app.py): the 80x120
# image is capped to 96 px (64x96; the authors train on it at full size),
# 120 iterations per scale.
_base_ = ['./_base_/singan_app.py']

model = dict(recon_weight=100.0)
train_dataloader = dict(
    dataset=dict(
        data_root='data/singan/33039_LR.png',
        scale_factor_init=0.5**(1 / 3)))
