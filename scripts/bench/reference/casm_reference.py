"""Reference CASM steps in plain PyTorch, written from ../shared/docs/casm-spec.md, to time
casm-native against on the same GPU in the same call (scripts/bench/gpu.sh).

Variants:
  authors  the authors' step semantics in fp32: two classifier SGD steps (clean, masked), full
           backward of the mapping loss (classifier weight gradients materialised too), the decoder
           gradient taken through the pre-update adversary (the spec's documented deviation),
           pooled snapshots as full copies.
  tuned    the same algorithm tuned: bf16 autocast, channels_last, the decoder gradient by
           torch.autograd.grad w.r.t. the decoder only (input-gradient-only through the classifier),
           snapshots kept on the GPU in bf16.
  compiled the tuned port under torch.compile (optional: --compile; slow to compile).
Prints one JSON object: img/s of the current-classifier step, the pooled-adversary step and mask
inference, and peak GPU memory. Runs on CPU too (tiny sizes) so it can be checked without a GPU.

--serve: stays up for scripts/bench/step.mjs --compare-reference, which interleaves its own
measurements with these on the same machine: each line "current", "pooled" or "inference" on stdin
runs --warmup then --iters timed calls of that kind and answers one JSON line (img/s and process
CPU seconds per batch); the models are built once, so every answer times the same warm process.
"""
import argparse
import copy
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
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


class ResNetTaps(nn.Module):
    """ResNet with bottlenecks returning logits and the taps l0..l4."""

    def __init__(self, layers=(3, 4, 6, 3), num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        stages = []
        for i, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stride = 1 if i == 0 else 2
            ds = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
            mods = [Bottleneck(inplanes, planes, stride, ds)]
            inplanes = planes * 4
            mods += [Bottleneck(inplanes, planes) for _ in range(1, blocks)]
            stages.append(nn.Sequential(*mods))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x):
        l0 = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        l1 = self.layer1(l0)
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        l4 = self.layer4(l3)
        return self.fc(l4.mean((2, 3))), [l0, l1, l2, l3, l4]


class Decoder(nn.Module):
    def __init__(self, widths=(256, 512, 1024, 2048)):
        super().__init__()
        for k, w in enumerate(widths, 1):
            setattr(self, f"conv1x1_{k}", nn.Sequential(nn.Conv2d(w, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()))
        self.final = nn.Sequential(nn.Conv2d(320, 1, 3, padding=1))

    def forward(self, t):
        up = lambda x, s: F.interpolate(x, scale_factor=s, mode="bilinear", align_corners=False)
        k = torch.cat([t[0], self.conv1x1_1(t[1]), up(self.conv1x1_2(t[2]), 2), up(self.conv1x1_3(t[3]), 4), up(self.conv1x1_4(t[4]), 8)], 1)
        return F.interpolate(torch.sigmoid(self.final(k)), scale_factor=4, mode="nearest")


def mapping_loss(mask, logits, logits_m, y, lambda_r):
    coc = logits.detach().argmax(1).eq(y)
    nc = coc & logits_m.detach().argmax(1).ne(y)
    area = -lambda_r * F.relu(nc.float() - mask.float().mean((1, 2, 3))).mean()
    logp = F.log_softmax(logits_m.float(), 1)
    return area + ((logp * logp.exp()).sum(1) * coc.float()).mean()


class AuthorsStep:
    def __init__(self, clf, dec, device):
        self.clf, self.dec = clf, dec
        self.opt_c = torch.optim.SGD(clf.parameters(), 1e-3, momentum=0.9, weight_decay=1e-4)
        self.opt_d = torch.optim.Adam(dec.parameters(), 1e-3, weight_decay=1e-4)
        self.pool = [copy.deepcopy(clf).eval()]

    def step(self, x, y, pooled):
        clf, dec = self.clf, self.dec
        clf.train(), dec.train()
        logits, taps = clf(x)
        loss_c = F.cross_entropy(logits, y)
        self.opt_c.zero_grad()
        loss_c.backward()
        self.opt_c.step()
        mask = dec([t.detach() for t in taps])
        xm = x * (1 - mask)
        adversary = self.pool[0] if pooled else clf
        logits_m, _ = adversary(xm)
        loss_m = F.cross_entropy(logits_m, y)
        loss_map = mapping_loss(mask, logits, logits_m, y, 10.0)
        self.opt_c.zero_grad()
        if not pooled:
            loss_m.backward(retain_graph=True)
            grads_c = [p.grad.clone() for p in clf.parameters()]
            self.opt_c.zero_grad()
        self.opt_d.zero_grad()  # as the authors: the masked classifier loss leaves no decoder gradient behind
        loss_map.backward()  # full backward: classifier weight gradients are computed as well
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 10)
        if not pooled:
            for p, g in zip(clf.parameters(), grads_c):
                p.grad = g
            self.opt_c.step()
        self.opt_d.step()

    @torch.no_grad()
    def infer(self, x):
        self.clf.eval(), self.dec.eval()
        _, taps = self.clf(x)
        return self.dec(taps)


class TunedStep(AuthorsStep):
    def __init__(self, clf, dec, device, amp):
        super().__init__(clf, dec, device)
        self.amp = amp and device.type == "cuda"
        snap = copy.deepcopy(clf).eval()
        if self.amp:
            for m in snap.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    m.to(torch.bfloat16)
        for p in snap.parameters():
            p.requires_grad_(False)
        self.pool = [snap]
        self.dec_params = list(dec.parameters())
        self.clf_params = list(clf.parameters())

    def step(self, x, y, pooled):
        clf, dec = self.clf, self.dec
        clf.train(), dec.train()
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.amp):
            logits, taps = clf(x)
            loss_c = F.cross_entropy(logits.float(), y)
        grads = torch.autograd.grad(loss_c, self.clf_params)
        for p, g in zip(self.clf_params, grads):
            p.grad = g
        self.opt_c.step()
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.amp):
            mask = dec([t.detach() for t in taps])
            xm = x * (1 - mask)
            logits_m, _ = (self.pool[0] if pooled else clf)(xm)
            logits_m = logits_m.float()
            loss_m = F.cross_entropy(logits_m, y)
            loss_map = mapping_loss(mask, logits, logits_m, y, 10.0)
        if not pooled:
            gc = torch.autograd.grad(loss_m, self.clf_params, retain_graph=True)
        gd = torch.autograd.grad(loss_map, self.dec_params)  # input-gradient-only through the classifier
        for p, g in zip(self.dec_params, gd):
            p.grad = g
        torch.nn.utils.clip_grad_norm_(self.dec_params, 10)
        if not pooled:
            for p, g in zip(self.clf_params, gc):
                p.grad = g
            self.opt_c.step()
        self.opt_d.step()

    @torch.no_grad()
    def infer(self, x):
        self.clf.eval(), self.dec.eval()
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.amp):
            _, taps = self.clf(x)
            return self.dec(taps)


def timeit(fn, device, warmup, iters, batch):
    for _ in range(warmup):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * iters / (time.perf_counter() - t0)


def measure(runner, x, y, device, a):
    return {
        "current_img_s": timeit(lambda: runner.step(x, y, False), device, a.warmup, a.iters, a.batch),
        "pooled_img_s": timeit(lambda: runner.step(x, y, True), device, a.warmup, a.iters, a.batch),
        "inference_img_s": timeit(lambda: runner.infer(x), device, a.warmup, a.iters, a.batch),
    }


def serve(runner, x, y, device, a):
    import sys

    kinds = {
        "current": lambda: runner.step(x, y, False),
        "pooled": lambda: runner.step(x, y, True),
        "inference": lambda: runner.infer(x),
    }
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        fn = kinds.get(line.strip())
        if fn is None:
            break
        cpu0 = time.process_time()
        img_s = timeit(fn, device, a.warmup, a.iters, a.batch)
        cpu_s = (time.process_time() - cpu0) / (a.warmup + a.iters)
        print(json.dumps({"img_s": img_s, "cpu_s_per_batch": cpu_s}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=["authors", "tuned", "compiled"], default="authors")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--layers", default="3,4,6,3")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    ap.add_argument("--serve", action="store_true", help="answer one timed round per 'round' line on stdin")
    a = ap.parse_args()
    device = torch.device(a.device)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    clf = ResNetTaps(tuple(int(v) for v in a.layers.split(",")), a.classes).to(device)
    dec = Decoder().to(device)
    if a.variant != "authors":
        clf = clf.to(memory_format=torch.channels_last)
        dec = dec.to(memory_format=torch.channels_last)
    runner = AuthorsStep(clf, dec, device) if a.variant == "authors" else TunedStep(clf, dec, device, amp=True)
    if a.variant == "compiled":
        runner.step = torch.compile(runner.step)
    x = torch.randn(a.batch, 3, a.size, a.size, device=device)
    if a.variant != "authors":
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.arange(a.batch, device=device) % a.classes  # the labels scripts/bench/step.mjs uses
    if a.serve:
        return serve(runner, x, y, device, a)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t_compile = time.perf_counter()
    runner.step(x, y, False)
    first_step_s = time.perf_counter() - t_compile
    out = {
        "variant": a.variant,
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "batch": a.batch,
        "size": a.size,
        "first_step_s": first_step_s,
        **measure(runner, x, y, device, a),
    }
    if device.type == "cuda":
        out["peak_memory_gib"] = torch.cuda.max_memory_allocated() / 2**30
    print(json.dumps(out))


if __name__ == "__main__":
    main()
