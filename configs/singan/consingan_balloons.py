# ConSinGAN (Hinz et al., WACV 2021) on balloons.png, unconditional
# generation with the authors' defaults: 6 stages on ConSinGAN's pyramid
# (25 px short side at the coarsest, 250 px long side at the finest, denser
# at low resolution), the last 3 stages trained together (learning rate x0.1
# per stage below), 2000 iterations per stage, 3 critic steps and one
# generator gradient applied 3 times per iteration. Faithfulness and
# deviations: docs/consingan.md. For your own image: consingan_custom_image.py.
_base_ = ['./_base_/default_runtime.py']

num_stages = 6  # the authors' --train_stages
num_scales = num_stages - 1  # index of the finest stage

model = dict(
    type='ConSinGAN',
    num_scales=num_scales,
    generator=dict(
        type='ConSinGANGenerator', in_channels=3, out_channels=3,
        features=64, num_layers=3),
    discriminator=dict(
        type='ConSinGANDiscriminator', in_channels=3, features=64,
        num_layers=3),
    num_concurrent=3,  # the authors' --train_depth
    lr_scale=0.1,
    noise_weight_init=0.1,
    discriminator_steps=3,
    generator_steps=3,
    generator_update='repeat',  # one gradient, 3 steps (the authors')
    gp_weight=0.1,
    recon_weight=10.0,
    test_pkl_data=None)

optim_wrapper = dict(
    constructor='ConSinGANOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=0.0005, betas=(0.5, 0.999))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=0.0005, betas=(0.5, 0.999))))

train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SinGANDataset',
        data_root='data/singan/balloons.png',
        pyramid='consingan',
        num_stages=num_stages,
        min_size=25,
        max_size=250))

# 2000 iterations per stage, the learning rate x0.1 after 80% of them.
train_cfg = dict(
    type='SinGANTrainLoop', iters_per_scale=2000, lr_drop_at=0.8, gamma=0.1)
val_cfg = None
val_dataloader = None
test_cfg = dict(pkl_data=None)
# tools/test.py: metrics of the samples against the training image
test_evaluator = [
    dict(type='SinGANSWD', seed=0),
    dict(type='PixelDiversity'),
    dict(type='ReconstructionRMSE'),
    dict(type='PatchCopy'),
]

custom_hooks = [
    dict(type='SinGANSnapshotHook', num_samples=4),
    dict(type='CheckInvalidLossHook', interval=1),
    dict(type='PickleDataHook', output_dir='pickle'),
]
