"""Networks, noise amplitude, losses and the cascade."""
import pytest
import torch

from singan.models import (SinGANMultiScaleDiscriminator,
                           SinGANMultiScaleGenerator, scale_width)
from singan.ops import (PAD, gradient_penalty, noise_amplitude, run_cascade,
                        upsample)


def test_widths_double_every_four_scales_capped_at_128():
    assert [scale_width(s) for s in range(13)] == \
        [32] * 4 + [64] * 4 + [128] * 5


def test_max_channels_caps_every_scale_of_both_networks():
    gen = SinGANMultiScaleGenerator(3, 3, num_scales=8, max_channels=32)
    disc = SinGANMultiScaleDiscriminator(3, num_scales=8, max_channels=64)
    assert {b.head.conv.out_channels for b in gen.blocks} == {32}
    assert [b.head.conv.out_channels for b in disc.blocks] == \
        [32] * 4 + [64] * 5


def test_generator_blocks_shapes_and_layout():
    gen = SinGANMultiScaleGenerator(3, 3, num_scales=8)
    assert len(gen.blocks) == 9
    for scale, block in enumerate(gen.blocks):
        width = scale_width(scale)
        convs = [block.head.conv] + [b.conv for b in block.body] + \
            [block.tail.conv]
        assert len(convs) == 5
        assert all(c.kernel_size == (3, 3) and c.padding == (0, 0)
                   for c in convs)
        assert block.head.conv.out_channels == width
        assert block.tail.conv.out_channels == 3
        assert isinstance(block.tail.activate, torch.nn.Tanh)
        assert block.head.conv.bias is None and block.tail.conv.bias is not None
        assert block.head.activate.negative_slope == 0.2
    keys = gen.state_dict().keys()
    assert 'blocks.0.body.block1.bn.running_mean' in keys
    assert 'blocks.8.tail.conv.bias' in keys


def test_generator_block_adds_to_previous_image():
    gen = SinGANMultiScaleGenerator(3, 3, num_scales=0).eval()
    prev = torch.rand(2, 3, 20, 24)
    padded = torch.nn.functional.pad(prev, [PAD] * 4)
    out = gen.blocks[0](padded, prev)
    assert out.shape == prev.shape
    detail = gen.blocks[0].features(padded)
    torch.testing.assert_close(out, prev + detail)


def test_discriminator_patch_map_shape():
    disc = SinGANMultiScaleDiscriminator(3, num_scales=5)
    assert disc(torch.rand(1, 3, 40, 50), 5).shape == (1, 1, 30, 40)
    assert disc.blocks[5].head.conv.out_channels == 64


def test_copy_from_previous_only_when_widths_match():
    gen = SinGANMultiScaleGenerator(3, 3, num_scales=4)
    assert gen.copy_from_previous(3)
    torch.testing.assert_close(gen.blocks[3].head.conv.weight,
                               gen.blocks[2].head.conv.weight)
    assert not gen.copy_from_previous(4)  # 32 -> 64 channels


def test_noise_amplitude_is_scaled_rmse():
    real = torch.zeros(1, 3, 8, 8)
    recon = torch.full((1, 3, 8, 8), 0.5)
    assert noise_amplitude(real, recon, 0.1) == pytest.approx(0.05)
    assert noise_amplitude(real, real) == 0.0


def test_gradient_penalty_of_a_linear_critic():
    # D(x) = sum(w * x) per pixel: the gradient at every pixel is w, so the
    # penalty is (|w|_2 - 1)^2 whatever the mixing weight.
    weight = torch.tensor([3.0, 0.0, 4.0]).view(1, 3, 1, 1)

    def critic(x):
        return (x * weight).sum(1, keepdim=True)

    real, fake = torch.rand(2, 3, 5, 5), torch.rand(2, 3, 5, 5)
    assert float(gradient_penalty(critic, real, fake)) == pytest.approx(16.0)


def test_cascade_reconstruction_is_deterministic_and_sized():
    gen = SinGANMultiScaleGenerator(3, 3, num_scales=2).eval()
    sizes = [(12, 16), (15, 20), (19, 25)]
    noises = [torch.randn(1, 1, *sizes[0])] + \
        [torch.zeros(1, 3, *s) for s in sizes[1:]]
    with torch.no_grad():
        a, outs = run_cascade(gen.blocks, noises, [1, .1, .1], sizes,
                              return_all=True)
        b = run_cascade(gen.blocks, noises, [1, .1, .1], sizes)
    torch.testing.assert_close(a, b)
    assert [tuple(o.shape[-2:]) for o in outs] == sizes
    assert upsample(outs[0], sizes[1]).shape[-2:] == sizes[1]
