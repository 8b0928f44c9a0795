# ConSinGAN on your own image: set its path, e.g.
#   python tools/train.py configs/singan/consingan_custom_image.py \
#       --cfg-options train_dataloader.dataset.data_root=PATH/TO/IMAGE.png
# ConSinGAN trains a fixed number of stages whatever the image size, so
# num_scales follows from num_stages (change both here, or num_stages with
# --cfg-options and model.num_scales=None to derive it from the dataset).
_base_ = ['./consingan_balloons.py']

num_stages = 6
num_scales = num_stages - 1

model = dict(num_scales=num_scales)
train_dataloader = dict(
    dataset=dict(
        data_root='data/singan/your_image.png', num_stages=num_stages))
