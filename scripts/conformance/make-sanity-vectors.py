"""Reference values for the saliency sanity metrics (src/metrics/{correlation,ssim,hog,pointing-game,
deletion-insertion}.ts), computed by independent implementations: scipy.stats.spearmanr,
skimage.metrics.structural_similarity, skimage.feature.hog and numpy. The tests read the JSON this
writes (test/unit/metrics-sanity.test.ts); rerun it only to change the cases.

    bash scripts/pip-venv.sh sanity-ref scikit-image==0.26.0     # brings scipy 1.17.1, numpy 2.4.6
    .cache/venv/sanity-ref/bin/python scripts/conformance/make-sanity-vectors.py
"""
import json
import pathlib

import numpy as np
import scipy
import skimage
from scipy.stats import pearsonr, spearmanr
from skimage.feature import hog
from skimage.metrics import structural_similarity

OUT = pathlib.Path(__file__).resolve().parents[2] / 'test' / 'conformance-vectors' / 'sanity' / 'vectors.json'
rng = np.random.default_rng(2026)


def blob_map(h, w, levels=None):
    """A smooth saliency-like map in [0, 1]: a few Gaussian blobs plus noise; quantised to `levels`
    values when given, which makes many ties (as masks near 0 or 1 have)."""
    yy, xx = np.mgrid[0:h, 0:w]
    m = np.zeros((h, w))
    for _ in range(3):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        s = rng.uniform(0.1, 0.3) * min(h, w)
        m += rng.uniform(0.3, 1) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    m += 0.05 * rng.standard_normal((h, w))
    m = (m - m.min()) / (m.max() - m.min())
    if levels:
        m = np.round(m * (levels - 1)) / (levels - 1)
    # Six decimals: the JSON stays small and holds exactly the values computed on.
    return np.round(m, 6)


def hog_vector(m):
    return hog(m, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3), block_norm='L2-Hys',
               feature_vector=True)


pairs = []
for (h, w, levels) in [(32, 32, None), (40, 56, None), (64, 64, 5), (48, 48, None)]:
    a = blob_map(h, w, levels)
    # b: a related map (a plus a shifted blob) so that similarities are neither 0 nor 1.
    b = np.round(np.clip(0.6 * a + 0.4 * blob_map(h, w, levels), 0, 1), 6)
    ha, hb = hog_vector(a), hog_vector(b)
    pairs.append({
        'h': h, 'w': w,
        'a': a.ravel().tolist(), 'b': b.ravel().tolist(),
        'spearman': float(spearmanr(a.ravel(), b.ravel()).statistic),
        'spearmanAbs': float(spearmanr(np.abs(0.5 - a).ravel(), np.abs(0.5 - b).ravel()).statistic),
        'ssim5': float(structural_similarity(a, b, win_size=5, data_range=1.0)),
        'hogA': [round(float(v), 12) for v in ha],
        'hogCorrelation': float(pearsonr(ha, hb).statistic),
    })

pointing = []
for i in range(6):
    h, w = 24, 32
    m = blob_map(h, w, 4 if i % 2 else None)  # with ties at the maximum in odd cases
    flat = int(np.argmax(m))  # numpy's argmax: the first maximum in row-major order
    y, x = divmod(flat, w)
    boxes = []
    for _ in range(2):
        x0, y0 = int(rng.integers(0, w - 4)), int(rng.integers(0, h - 4))
        boxes.append([x0, y0, int(rng.integers(x0 + 1, w)), int(rng.integers(y0 + 1, h))])
    if i < 3:  # make sure some cases hit
        boxes[0] = [max(0, x - 2), max(0, y - 2), min(w - 1, x + 2), min(h - 1, y + 2)]
    hit = any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)
    pointing.append({'h': h, 'w': w, 'mask': m.ravel().tolist(), 'boxes': boxes, 'peak': [x, y], 'hit': hit})

# Deletion / insertion (Petsiuk et al. 2018): pixels in descending mask order, ties by index
# (a stable sort of -mask); the curve's area by the trapezoid rule over equally spaced steps.
m = blob_map(8, 8, 6)
order = np.argsort(-m.ravel(), kind='stable')
curves = [rng.uniform(0, 1, n).tolist() for n in (2, 5, 17)]
deletion = {
    'h': 8, 'w': 8, 'mask': m.ravel().tolist(), 'order': order.tolist(),
    'curves': curves, 'auc': [float(np.trapezoid(c, dx=1.0 / (len(c) - 1))) for c in curves],
}

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({
    'generator': 'scripts/conformance/make-sanity-vectors.py',
    'versions': {'numpy': np.__version__, 'scipy': scipy.__version__, 'scikit-image': skimage.__version__},
    'hog': {'orientations': 9, 'pixelsPerCell': 8, 'cellsPerBlock': 3, 'blockNorm': 'L2-Hys'},
    'pairs': pairs, 'pointing': pointing, 'deletion': deletion,
}) + '\n')
print(f'wrote {OUT} ({OUT.stat().st_size} bytes)')
