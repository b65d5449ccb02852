#!/usr/bin/env python3
"""PyTorch reference for the fused CASM training step: writes step conformance vectors for the
variants the authors' vectors (test/conformance-vectors/step, made with kondiz/casme) do not
cover: the masked-in objective ('in-out'), the classification score and the mixed classifier loss.

The step follows docs/casm-spec.md ("One training iteration"), steps 1-8, including its deliberate
difference (the decoder's gradient flows through the adversary's weights as they were in the
forward pass). Objective 'in-out' adds, to the mapping's loss only,
    mask_in_weight * CE(adversary(x * m), y)
with the same adversary as the masked-out term, evaluated after the masked-out pass (a current
classifier in train mode moves its BN running statistics on both passes).

Before writing anything, this script replays every case of the authors' vectors with the same code
and checks it against them with the runner's step-0 tolerances: the reference is the authors' step,
plus the new term.

Deterministic (CPU, fp32, one thread, no random draws: the initial state and the inputs are those of
the authors' vectors). Pinned versions: Python 3.11 and PyTorch 2.13.0 (the CPU wheel; no other
package: safetensors are read and written here). The test venv has exactly these
(`bash scripts/setup.sh --test` makes it with scripts/torch-venv.sh torch2.13-cpu 2.13.0); another
PyTorch is refused unless --any-torch is given. Run from the repository root:

    .cache/venv/torch2.13-cpu/bin/python scripts/conformance/make-step-vectors.py \
        --authors test/conformance-vectors/step --out test/conformance-vectors/step-variants

The output is byte-identical from run to run (checked: two runs, `cmp` on every file).
"""

import argparse
import ctypes
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

# The versions the committed vectors were made with: Python 3.11 and PyTorch 2.13.0 (CPU wheel, the
# test venv's, scripts/setup.sh --test), nothing else (no numpy, no safetensors package).
PINNED_TORCH = "2.13.0"

DTYPES = {"F16": torch.float16, "F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "U8": torch.uint8}
NAMES = {v: k for k, v in DTYPES.items()}


# ---------------------------------------------------------------- safetensors (the plain format)
def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    body = raw[8 + n :]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        dtype = DTYPES[spec["dtype"]]
        if end == start:
            out[name] = torch.zeros(spec["shape"], dtype=dtype)
        else:
            out[name] = torch.frombuffer(bytearray(body[start:end]), dtype=dtype).reshape(spec["shape"]).clone()
    return out


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        nbytes = t.numel() * t.element_size()
        chunks.append(ctypes.string_at(t.data_ptr(), nbytes) if nbytes else b"")
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------- networks (torchvision names)
class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.downsample = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return F.relu(h + (self.downsample(x) if self.downsample is not None else x))


class ResNet(nn.Module):
    """Bottleneck ResNet; forward returns (logits, taps l0..l4) as in the spec's "Feature taps"."""

    def __init__(self, layers, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        for i, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stage = []
            for b in range(blocks):
                stage.append(Bottleneck(inplanes, planes, 1 if i == 0 or b > 0 else 2))
                inplanes = planes * 4
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
        self.fc = nn.Linear(inplanes, num_classes)

    def forward(self, x):
        l0 = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, stride=2, padding=1)
        l1 = self.layer1(l0)
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        l4 = self.layer4(l3)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(l4, 1), 1)), [l0, l1, l2, l3, l4]


class Decoder(nn.Module):
    """The mask decoder of the spec ("Decoder"), with the authors' parameter names."""

    def __init__(self, widths):
        super().__init__()
        for k, c in enumerate(widths, start=1):
            setattr(self, f"conv1x1_{k}", nn.Sequential(nn.Conv2d(c, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()))
        self.final = nn.Sequential(nn.Conv2d(64 + 4 * 64, 1, 3, padding=1, bias=True))

    def forward(self, taps):
        def up(t, s):
            return F.interpolate(t, scale_factor=s, mode="bilinear", align_corners=False)

        k = torch.cat(
            [
                taps[0],
                self.conv1x1_1(taps[1]),
                up(self.conv1x1_2(taps[2]), 2),
                up(self.conv1x1_3(taps[3]), 4),
                up(self.conv1x1_4(taps[4]), 8),
            ],
            1,
        )
        return F.interpolate(torch.sigmoid(self.final(k)), scale_factor=4, mode="nearest")


def load_init(init, arch):
    clf = ResNet(arch["layers"], arch["num_classes"])
    dec = Decoder([256, 512, 1024, 2048])
    for prefix, module in (("init.classifier.", clf), ("init.decoder.", dec)):
        state = {k[len(prefix) :]: v.float() for k, v in init.items() if k.startswith(prefix)}
        missing, unexpected = module.load_state_dict(state, strict=False)
        assert not unexpected and all(m.endswith("num_batches_tracked") for m in missing), (missing, unexpected)
    return clf, dec


# ---------------------------------------------------------------- the step
def mapping_loss(mask, logits_m, y, correct_on_clean, confused, lambda_r, score):
    per_image = mask.mean((1, 2, 3))
    area = -lambda_r * F.relu(confused.float() - per_image).mean()
    if score == "classification":
        return area - F.cross_entropy(logits_m, y)
    log_p = F.log_softmax(logits_m, 1)
    return area + ((log_p * log_p.exp()).sum(1) * correct_on_clean.float()).mean()


class Run:
    """One case: the networks, their optimisers (fresh) and the case's settings."""

    def __init__(self, init, arch, case):
        self.case = case
        self.clf, self.dec = load_init(init, arch)
        self.fixed = case["fixed"]
        self.mixed = case.get("classifier_loss", "two-step") == "mixed"
        self.current = case["adversary"] == "current"
        for p in self.clf.parameters():
            p.requires_grad_(not self.fixed)
        self.clf_params = list(self.clf.parameters())
        self.dec_params = list(self.dec.parameters())
        self.sgd = torch.optim.SGD(self.clf_params, lr=case.get("lr", 1e-3), momentum=0.9, weight_decay=1e-4)
        self.adam = torch.optim.Adam(self.dec_params, lr=case.get("lr_mapping", 1e-3), weight_decay=1e-4)
        self.pool = None
        if not self.current:  # one frozen copy of the initial classifier, in eval mode
            self.pool, _ = load_init(init, arch)
            self.pool.eval()
            for p in self.pool.parameters():
                p.requires_grad_(False)

    def sgd_step(self, grads):
        for p, g in zip(self.clf_params, grads):
            p.grad = g
        self.sgd.step()

    def step(self, x, y):
        c = self.case
        self.clf.train(not self.fixed)
        with torch.set_grad_enabled(not self.fixed):
            logits, taps = self.clf(x)
            loss_clean = F.cross_entropy(logits, y)
        if not self.fixed and not self.mixed:
            self.sgd_step(torch.autograd.grad(loss_clean, self.clf_params, allow_unused=True))
        taps = [t.detach() for t in taps]
        self.dec.train()
        mask = self.dec(taps)
        adversary = self.clf if self.current else self.pool
        logits_m = adversary(x * (1 - mask))[0]
        loss_masked = F.cross_entropy(logits_m, y)
        correct_on_clean = logits.detach().argmax(1).eq(y)
        confused = correct_on_clean & logits_m.detach().argmax(1).ne(y)
        loss_mapping = mapping_loss(mask, logits_m, y, correct_on_clean, confused, c["lambda_r"], c["score"])
        out = {}
        if c.get("objective", "out") == "in-out":
            logits_in = adversary(x * mask)[0]
            loss_in = F.cross_entropy(logits_in, y)
            loss_mapping = loss_mapping + c["mask_in_weight"] * loss_in
            out["masked_in_logits"] = logits_in.detach()
            out["loss_masked_in"] = loss_in.detach().reshape(1)
        classifier_loss = None
        if not self.fixed and self.mixed:
            classifier_loss = 0.5 * (loss_clean + loss_masked) if self.current else loss_clean
        elif not self.fixed and self.current:
            classifier_loss = loss_masked
        # Both gradients before either update: the decoder's flows through the forward-pass weights.
        clf_grads = None
        if classifier_loss is not None:
            clf_grads = torch.autograd.grad(classifier_loss, self.clf_params, retain_graph=True, allow_unused=True)
        dec_grads = torch.autograd.grad(loss_mapping, self.dec_params)
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in dec_grads]))
        coef = torch.clamp(10.0 / (norm + 1e-6), max=1.0)
        if clf_grads is not None:
            self.sgd_step(clf_grads)
        for p, g in zip(self.dec_params, dec_grads):
            p.grad = g * coef
        self.adam.step()
        out.update(
            clean_logits=logits.detach(),
            mask=mask.detach(),
            masked_logits=logits_m.detach(),
            loss_clean=loss_clean.detach().reshape(1),
            loss_masked=loss_masked.detach().reshape(1),
            loss_mapping=loss_mapping.detach().reshape(1),
            decoder_grad_norm=norm.detach().reshape(1),
            correct_on_clean=correct_on_clean.to(torch.uint8),
            nontrivially_confused=confused.to(torch.uint8),
        )
        return out


def inputs_of(ref, i):
    return ref[f"step{i}.input"].float(), ref[f"step{i}.target"]


# ---------------------------------------------------------------- self-check against the authors
def rel(a, e):
    return ((a.double() - e.double()).abs() / e.double().abs().clamp(min=1)).max().item()


def check_against_authors(authors_dir, manifest, init):
    """Replays the authors' cases; step 0 must meet the runner's step-0 tolerances."""
    for case in manifest["cases"]:
        ref = read_safetensors(os.path.join(authors_dir, case["file"]))
        run = Run(init, manifest["arch"], case)
        x, y = inputs_of(ref, 0)
        got = run.step(x, y)
        e = {k[len("step0.") :]: v for k, v in ref.items() if k.startswith("step0.")}
        devs = {
            "clean_logits": (rel(got["clean_logits"], e["clean_logits"]), 1e-4),
            "loss_clean": (rel(got["loss_clean"], e["loss_clean"]), 1e-4),
            "mask": ((got["mask"] - e["mask"]).abs().max().item(), 1e-4),
            "masked_logits": (rel(got["masked_logits"], e["masked_logits"]), 1e-3),
            "loss_masked": (rel(got["loss_masked"], e["loss_masked"]), 1e-3),
            "loss_mapping": (rel(got["loss_mapping"], e["loss_mapping"]), 1e-3),
            "decoder_grad_norm": (
                abs(got["decoder_grad_norm"].item() - e["decoder_grad_norm"].item()) / e["decoder_grad_norm"].item(),
                1e-2,
            ),
            "flags": (
                int((got["correct_on_clean"] != e["correct_on_clean"]).sum())
                + int((got["nontrivially_confused"] != e["nontrivially_confused"]).sum()),
                0,
            ),
        }
        if case["steps"] == 1:  # the decoder's one-step update, as the runner checks it
            num = den = 0.0
            for name, p in run.dec.named_parameters():
                de = ref[f"final.decoder.{name}"].double() - init[f"init.decoder.{name}"].double()
                da = p.detach().double() - init[f"init.decoder.{name}"].double()
                num += ((da - de) ** 2).sum().item()
                den += (de**2).sum().item()
            devs["final.decoder"] = (math.sqrt(num / den), 0.08)
        bad = {k: v for k, v in devs.items() if not v[0] <= v[1]}
        worst = max(devs.items(), key=lambda kv: kv[1][0] / kv[1][1] if kv[1][1] else kv[1][0])
        print(f"authors' {case['name']}: step 0 {'FAILS ' + str(bad) if bad else 'matches'} (worst {worst[0]} {worst[1][0]:.2e})")
        if bad:
            raise SystemExit(f"the reference does not reproduce the authors' case {case['name']}: {bad}")


# ---------------------------------------------------------------- the new cases
# Inputs (and labels) are those of an authors' case, so both branches of every gate are exercised.
# `inputs` names one authors' case (its steps in order), or lists (case, step) pairs: the mixed case
# runs three steps, more than any authors' case has, so its third batch is F-entropy's (another
# draw of images and labels). The classification case stays at two: its third step is
# ill-conditioned in fp32 (Adam's early steps amplify rounding about tenfold per step): this
# reference run in fp64 instead of fp32 moves step 2's mask by 0.137, beyond the runner's 5e-2
# tolerance for steps after the first, so no fp32 implementation could be held to it (the addon's
# deviation there is 0.074). For the mixed case the same fp32/fp64 spread is 0.014.
THREE_STEPS = [("L-entropy", 0), ("L-entropy", 1), ("F-entropy", 0)]
NEW_CASES = [
    dict(name="L-in-out", inputs="L-entropy", adversary="current", fixed=False, score="entropy", lambda_r=14.0,
         steps=2, objective="in-out", mask_in_weight=1.0),
    dict(name="pool-in-out", inputs="pool-entropy", adversary="pool", fixed=False, score="entropy", lambda_r=10.0,
         steps=1, objective="in-out", mask_in_weight=2.0),
    dict(name="L-classification", inputs="L-entropy", adversary="current", fixed=False, score="classification",
         lambda_r=18.0, steps=2),
    dict(name="L-mixed", inputs=THREE_STEPS, adversary="current", fixed=False, score="entropy", lambda_r=14.0,
         steps=3, classifier_loss="mixed"),
]

# The final state kept per case (each file stays well under 1 MiB): every decoder tensor but the two
# largest 1x1 convolutions, every classifier tensor of at most this many elements (BN parameters and
# running statistics, fc bias), and [sum, L2 norm] of the change of every classifier tensor.
FULL_CLASSIFIER_MAX = 4096
DECODER_LEFT_OUT = ("conv1x1_3.0.weight", "conv1x1_4.0.weight")


def make_case(authors_dir, manifest, init, spec):
    files = {c["name"]: c["file"] for c in manifest["cases"]}
    plan = spec["inputs"]
    if isinstance(plan, str):
        plan = [(plan, i) for i in range(spec["steps"])]
    assert len(plan) == spec["steps"], spec["name"]
    refs = {name: read_safetensors(os.path.join(authors_dir, files[name])) for name, _ in plan}
    case = {k: v for k, v in spec.items() if k != "inputs"}
    case["file"] = f"{spec['name']}.safetensors"
    run = Run(init, manifest["arch"], case)
    out = {}
    for i, (name, j) in enumerate(plan):
        x, y = inputs_of(refs[name], j)
        out[f"step{i}.input"] = refs[name][f"step{j}.input"]
        out[f"step{i}.target"] = y
        for k, v in run.step(x, y).items():
            out[f"step{i}.{k}"] = v.float() if v.dtype != torch.uint8 else v
    for name, t in run.dec.state_dict().items():
        if not name.endswith(DECODER_LEFT_OUT) and not name.endswith("num_batches_tracked"):
            out[f"final.decoder.{name}"] = t.float()
    for name, t in run.clf.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        if t.numel() <= FULL_CLASSIFIER_MAX:
            out[f"final.classifier.{name}"] = t.float()
        delta = t.double() - init[f"init.classifier.{name}"].double()
        out[f"delta.classifier.{name}"] = torch.stack([delta.sum(), torch.linalg.vector_norm(delta)])
    return case, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--authors", required=True, help="the authors' step vectors (manifest.json, init.safetensors)")
    ap.add_argument("--out", required=True, help="folder to write manifest.json and one file per case into")
    ap.add_argument("--any-torch", action="store_true", help=f"run on a PyTorch other than {PINNED_TORCH}")
    args = ap.parse_args()
    if not torch.__version__.startswith(PINNED_TORCH) and not args.any_torch:
        raise SystemExit(
            f"the committed vectors were made with PyTorch {PINNED_TORCH} (this is {torch.__version__}); "
            "another version may change their last bits: pass --any-torch to run anyway"
        )
    torch.manual_seed(0)
    torch.set_num_threads(1)
    with open(os.path.join(args.authors, "manifest.json")) as f:
        manifest = json.load(f)
    init = read_safetensors(os.path.join(args.authors, manifest["init"]))
    check_against_authors(args.authors, manifest, init)
    os.makedirs(args.out, exist_ok=True)
    cases = []
    meta = {"generator": "scripts/conformance/make-step-vectors.py", "torch": torch.__version__}
    for spec in NEW_CASES:
        case, tensors = make_case(args.authors, manifest, init, spec)
        write_safetensors(os.path.join(args.out, case["file"]), tensors, meta)
        cases.append(case)
        flags = " ".join(
            f"{int(tensors[f'step{i}.correct_on_clean'].sum())}/{int(tensors[f'step{i}.nontrivially_confused'].sum())}"
            for i in range(case["steps"])
        )
        size = os.path.getsize(os.path.join(args.out, case["file"])) // 1024
        print(f"wrote {case['file']} ({size} KiB; correct on clean / confused, per step: {flags})")
    out_manifest = {
        "source": f"scripts/conformance/make-step-vectors.py (PyTorch {torch.__version__}, CPU, fp32, 1 thread); "
        "initial state and inputs from the authors' vectors",
        "arch": manifest["arch"],
        "input": manifest["input"],
        "init": os.path.relpath(os.path.join(args.authors, manifest["init"]), args.out),
        "cases": cases,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(out_manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
