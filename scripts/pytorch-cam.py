#!/usr/bin/env python3
"""CAM and Grad-CAM of a casm-native model's classifier, computed by plain PyTorch without the addon.

An independent reference for the addon's activationMaps (native/casm/class_activation.cpp), checked
by test/native/activation-maps-pytorch.test.ts. The classifier is the torchvision-layout ResNet of
scripts/pytorch-saliency.py; the maps are taken the usual PyTorch way, with a forward hook on the
stage module (layer1..layer4) and, for Grad-CAM, backward of the class logits:

  CAM       (Zhou et al. 2016):      sum_k fc.weight[c, k] * A_k             (A = layer4 output)
  Grad-CAM  (Selvaraju et al. 2017): relu(sum_k alpha_k * A_k), alpha_k = mean_ij d logit_c / d A_k[i, j]

then each map is upsampled bilinearly (align_corners=False) to the input size and min-max
normalised per image to [0, 1] (zeros when the map is constant).

Usage: pytorch-cam.py MODEL IMAGES METHOD LAYER OUT
  MODEL   a run folder holding model.safetensors, or the file itself
  IMAGES  safetensors with `images` [N,H,W,3] RGB 0..255 (F32 or U8) and `classes` [N] (I64 or F32)
  METHOD  cam | gradcam
  LAYER   l1 | l2 | l3 | l4 (cam: l4)
  OUT     safetensors written with `maps` F32 [N,H,W] and `logits` F32 [N,classes]
"""
import importlib.util
import os
import sys

import torch
import torch.nn.functional as F

_spec = importlib.util.spec_from_file_location(
    "pytorch_saliency", os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch-saliency.py"))
ps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ps)


def activation_maps(classifier, images_u8_nhwc, classes, method, layer):
    x = images_u8_nhwc.permute(0, 3, 1, 2).float().div(255.0).sub(ps.MEAN).div(ps.STD)
    stage = getattr(classifier, f"layer{layer[1]}")
    seen = {}

    def keep(_module, _inputs, output):
        output.retain_grad()
        seen["A"] = output

    handle = stage.register_forward_hook(keep)
    try:
        with torch.enable_grad():
            taps = classifier.taps(x)
            logits = classifier.logits(taps[4])
            A = seen["A"]
            if method == "cam":
                weights = classifier.fc.weight[classes]  # [N, C]
                raw = torch.einsum("nc,nchw->nhw", weights, A)
            else:
                classifier.zero_grad(set_to_none=True)
                logits[torch.arange(len(classes)), classes].sum().backward()
                alpha = A.grad.mean(dim=(2, 3))  # [N, C]
                raw = F.relu(torch.einsum("nc,nchw->nhw", alpha, A))
    finally:
        handle.remove()
    up = F.interpolate(raw.detach().unsqueeze(1), size=x.shape[2:], mode="bilinear", align_corners=False).squeeze(1)
    maps = torch.zeros_like(up)
    for i in range(up.shape[0]):
        lo, hi = up[i].min(), up[i].max()
        if hi > lo:
            maps[i] = (up[i] - lo) / (hi - lo)
    return maps, logits.detach()


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    _, model, images_file, method, layer, out = argv
    if method not in ("cam", "gradcam") or layer not in ("l1", "l2", "l3", "l4") or (method == "cam" and layer != "l4"):
        sys.exit(f"bad method/layer {method} {layer}\n{__doc__}")
    classifier, _encoder, _decoder = ps.load_model(model)
    tensors, _ = ps.read_safetensors(images_file)
    classes = tensors["classes"].long()
    maps, logits = activation_maps(classifier, tensors["images"], classes, method, layer)
    ps.write_safetensors(out, {"maps": maps.float(), "logits": logits.float()})
    print(f"pytorch-cam: {method} at {layer}, {maps.shape[0]} maps of {maps.shape[1]}x{maps.shape[2]}, torch {torch.__version__}")


if __name__ == "__main__":
    main(sys.argv)
