#!/usr/bin/env python3
"""Saliency masks of a casm-native model computed by plain PyTorch, without the addon.

Loads a run's model.safetensors into a ResNet with torchvision's layout and parameter names
(conv1, bn1, layer1.0.conv1, ..., downsample.0, fc: its classifier.* tensors load unchanged into
torchvision.models.resnet.ResNet) and a PyTorch mask decoder with the authors' names
(conv1x1_1..4, final), then computes masks and logits for a batch of images, as described in the
CASM spec: taps after the stem max-pool and after each stage, 1x1 conv + BN + ReLU per tap,
bilinear upsampling to the stride-4 grid, a 3x3 conv, sigmoid, x4 upsampling to the input size.

It shows that a trained model is usable from PyTorch, and test/native/interop-pytorch.test.ts
checks that its masks equal the addon's.

Usage: pytorch-saliency.py MODEL IMAGES OUT
  MODEL   a run or checkpoint folder holding model.safetensors, or the file itself
  IMAGES  safetensors with `images`: [N,H,W,3] RGB values 0..255 (U8, or F32 holding integers;
          H, W multiples of 32), as the addon takes them
  OUT     safetensors written with `masks` F32 [N,H,W] and `logits` F32 [N,classes]
Needs only torch (no torchvision, no safetensors package).
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

# --- safetensors: 8-byte little-endian header length, JSON header, raw little-endian data -------

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool,
}


def read_safetensors(path):
    """Returns (tensors by name, the __metadata__ strings)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {}) or {}
    data = memoryview(raw)[8 + n:]
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        dtype = DTYPES[entry["dtype"]]
        if end == start:
            t = torch.empty(entry["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(data[start:end]), dtype=dtype).reshape(entry["shape"])
        tensors[name] = t
    return tensors, metadata


def write_safetensors(path, tensors):
    names = {torch.float32: "F32", torch.int64: "I64", torch.uint8: "U8"}
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        # Through a uint8 view and a list, not numpy: pip's torch wheel does not bring numpy along.
        b = bytes(t.contiguous().view(torch.uint8).flatten().tolist())
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the format asks for an 8-byte aligned data section
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


# --- ResNet with torchvision's layout and names --------------------------------------------------

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride, downsample):
        super().__init__()
        # The stride sits on the 3x3 convolution, as in torchvision (ResNet v1.5).
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._stage(block, 64, layers[0], 1)
        self.layer2 = self._stage(block, 128, layers[1], 2)
        self.layer3 = self._stage(block, 256, layers[2], 2)
        self.layer4 = self._stage(block, 512, layers[3], 2)
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _stage(self, block, planes, blocks, stride):
        stages = []
        for i in range(blocks):
            s = stride if i == 0 else 1
            downsample = None
            if i == 0 and (s != 1 or self.inplanes != planes * block.expansion):
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * block.expansion, 1, s, bias=False),
                    nn.BatchNorm2d(planes * block.expansion))
            stages.append(block(self.inplanes, planes, s, downsample))
            self.inplanes = planes * block.expansion
        return nn.Sequential(*stages)

    def taps(self, x):
        """l0 (after the stem max-pool) and the outputs of layer1..layer4."""
        l0 = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        l1 = self.layer1(l0)
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        return [l0, l1, l2, l3, self.layer4(l3)]

    def logits(self, l4):
        # Global average pooling over whatever size the input had (torchvision's AdaptiveAvgPool2d).
        return self.fc(l4.mean(dim=(2, 3)))


# --- the mask decoder, with the authors' names ---------------------------------------------------

class Decoder(nn.Module):
    def __init__(self, tap_channels, bilinear_final):
        super().__init__()
        for k, c in enumerate(tap_channels, start=1):
            setattr(self, f"conv1x1_{k}", nn.Sequential(nn.Conv2d(c, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()))
        self.final = nn.Sequential(nn.Conv2d(64 + 4 * 64, 1, 3, padding=1, bias=True))
        self.bilinear_final = bilinear_final

    @staticmethod
    def _up(x, scale, bilinear):
        # nn.Upsample(scale_factor=s): the scale factor itself maps coordinates.
        if bilinear:
            return F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False)
        return F.interpolate(x, scale_factor=scale, mode="nearest")

    def forward(self, t):
        k = torch.cat([
            t[0],
            self.conv1x1_1(t[1]),
            self._up(self.conv1x1_2(t[2]), 2, True),
            self._up(self.conv1x1_3(t[3]), 4, True),
            self._up(self.conv1x1_4(t[4]), 8, True),
        ], dim=1)
        return self._up(torch.sigmoid(self.final(k)), 4, self.bilinear_final)


# --- a casm-native model.safetensors -------------------------------------------------------------

STANDARD = {"resnet18": ("basic", [2, 2, 2, 2]), "resnet34": ("basic", [3, 4, 6, 3]),
            "resnet50": ("bottleneck", [3, 4, 6, 3]), "resnet101": ("bottleneck", [3, 4, 23, 3]),
            "resnet152": ("bottleneck", [3, 8, 36, 3])}


def load_model(path):
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "casm-native":
        sys.exit(f"{path}: not a casm-native model (metadata format is {meta.get('format')!r})")
    block_name, layers = meta.get("block"), [int(v) for v in meta.get("layers", "").split(",") if v]
    if not layers:
        block_name, layers = STANDARD[meta["arch"]]
    block = BasicBlock if block_name == "basic" else Bottleneck
    num_classes = int(meta["num_classes"])

    def part(prefix, module):
        state = {k[len(prefix):]: v.float() if v.is_floating_point() else v for k, v in tensors.items() if k.startswith(prefix)}
        module.load_state_dict(state, strict=True)
        return module.eval()

    classifier = part("classifier.", ResNet(block, layers, num_classes))
    encoder = part("encoder.", ResNet(block, layers, num_classes)) if meta.get("separate_encoder") == "true" else classifier
    widths = [64 * block.expansion * m for m in (1, 2, 4, 8)]
    decoder = part("decoder.", Decoder(widths, meta.get("upsample") == "bilinear"))
    return classifier, encoder, decoder


MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@torch.no_grad()
def saliency(classifier, encoder, decoder, images_u8_nhwc):
    x = images_u8_nhwc.permute(0, 3, 1, 2).float().div(255.0).sub(MEAN).div(STD)
    taps = classifier.taps(x)
    logits = classifier.logits(taps[4])
    if encoder is not classifier:
        taps = encoder.taps(x)
    return decoder(taps).squeeze(1), logits


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    classifier, encoder, decoder = load_model(argv[1])
    images = read_safetensors(argv[2])[0]["images"]
    masks, logits = saliency(classifier, encoder, decoder, images)
    write_safetensors(argv[3], {"masks": masks.float(), "logits": logits.float()})
    print(f"pytorch-saliency: {masks.shape[0]} masks of {masks.shape[1]}x{masks.shape[2]}, torch {torch.__version__}")


if __name__ == "__main__":
    main(sys.argv)
