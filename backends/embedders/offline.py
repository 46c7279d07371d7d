"""An image embedder with no weights: colour layout, colour histogram and coarse shape, in plain numpy.

What it captures, on previz-style frames (flat figures on a lit set):
- **colour layout**: a coarse grid of mean CIE Lab colours, centred on the image's mean colour, so "red top
  over dark trousers under brown hair" is a vector;
- **colour distribution**: a joint hue × saturation × value histogram (Hellinger-mapped), so the same outfit
  reads alike when the figure moves inside the crop;
- **coarse shape**: a magnitude-weighted histogram of gradient orientations on a 2×2 grid.
The three blocks are unit-normalised and weighted, so the cosine of two embeddings is the weighted mean of
the three per-block cosines, and it runs at thousands of frames a second on one core.

Where it fails, and why the open_clip embedder exists:
- it cannot tell two real faces apart: identity is not colour; two actors in the same wardrobe look alike;
- a big pose change (sitting vs standing, side vs front) moves the layout block;
- similar outfits (two navy suits) are near-identical to it;
- lighting vs wardrobe: a warm light on a white shirt looks like a cream shirt. The character gate reduces
  this by white-balancing crops against the set before embedding; the lighting gate measures light separately.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from backends.embedders.base import l2_normalise

_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
_RGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], dtype=np.float32)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in 0..1 (…×3) → CIE Lab (L 0..100, a and b roughly ±100)."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = (linear @ _RGB_TO_XYZ.T) / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lab = np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])], -1)
    return lab.astype(np.float32)


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """RGB in 0..1 → HSV with all three in 0..1."""
    cmax, cmin = rgb.max(-1), rgb.min(-1)
    delta = cmax - cmin
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.where(delta > 1e-6, delta, 1.0)
    hue = np.where(cmax == r, ((g - b) / safe) % 6.0, np.where(cmax == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    hue = np.where(delta > 1e-6, hue / 6.0, 0.0)
    sat = np.where(cmax > 1e-6, delta / np.maximum(cmax, 1e-6), 0.0)
    return np.stack([hue, sat, cmax], -1).astype(np.float32)


class OfflineEmbedder:
    """Hand-made features (see the module docstring); deterministic, no weights, no downloads."""

    kind = "offline"

    def __init__(
        self,
        *,
        grid: tuple[int, int] = (3, 4),
        size: tuple[int, int] = (36, 48),
        hsv_bins: tuple[int, int, int] = (12, 3, 3),
        orientations: int = 8,
        weights: tuple[float, float, float] = (0.3, 0.55, 0.15),
    ) -> None:
        self.grid = grid
        self.size = size
        self.hsv_bins = hsv_bins
        self.orientations = orientations
        total = sum(weights)
        self.weights = tuple(w / total for w in weights)
        # The name keys the frame store's collection: it changes whenever the features do (2: soft hue bins on
        # subject crops), so a production made by an older version never compares its stored frames with new ones.
        self.name = "offline-2"
        self.dim = grid[0] * grid[1] * 3 + int(np.prod(hsv_bins)) + orientations * 4

    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._features(image) for image in images]).astype(np.float32)

    def _features(self, image: np.ndarray) -> np.ndarray:
        picture = Image.fromarray(np.ascontiguousarray(image))
        small = np.asarray(picture.convert("RGB").resize(self.size, Image.Resampling.BOX))
        rgb = small.astype(np.float32) / 255.0
        weight = None
        if picture.mode == "RGBA":  # alpha 0: not the subject (the set behind a figure); left out of the colours
            alpha = np.asarray(picture.getchannel("A").resize(self.size, Image.Resampling.BOX), dtype=np.float32)
            weight = alpha / 255.0 if float(alpha.max()) > 0 else None
        blocks = [
            self._layout(rgb, weight),
            self._histogram(rgb, weight, soft=weight is not None),
            self._gradients(rgb),
        ]
        parts = [np.sqrt(w) * l2_normalise(block[None])[0] for w, block in zip(self.weights, blocks, strict=True)]
        return l2_normalise(np.concatenate(parts)[None])[0]

    def _layout(self, rgb: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
        lab = rgb_to_lab(rgb)
        cols, rows = self.grid
        height, width = lab.shape[:2]
        w = np.ones((height, width), dtype=np.float32) if weight is None else weight
        h_cut, w_cut = height // rows * rows, width // cols * cols
        cells = (lab * w[..., None])[:h_cut, :w_cut].reshape(rows, height // rows, cols, width // cols, 3)
        counts = w[:h_cut, :w_cut].reshape(rows, height // rows, cols, width // cols).sum(axis=(1, 3))
        # Centre on the subject's mean colour, so the vector says how regions differ, not the overall tint;
        # a cell that shows none of the subject sits at that mean.
        mean = (lab * w[..., None]).reshape(-1, 3).sum(axis=0) / max(float(w.sum()), 1e-6)
        means = np.where(counts[..., None] > 1e-3, cells.sum(axis=(1, 3)) / np.maximum(counts[..., None], 1e-6), mean)
        return (means - mean).reshape(-1)

    def _histogram(self, rgb: np.ndarray, weight: np.ndarray | None = None, *, soft: bool = False) -> np.ndarray:
        hsv = rgb_to_hsv(rgb).reshape(-1, 3)
        share = np.ones(len(hsv), dtype=np.float32) if weight is None else weight.reshape(-1)
        hb, sb, vb = self.hsv_bins
        s = np.minimum((hsv[:, 1] * sb).astype(int), sb - 1)
        v = np.minimum((hsv[:, 2] * vb).astype(int), vb - 1)
        # Hue means little for greys: spread unsaturated pixels over all hues of their value bin.
        saturated = np.clip(hsv[:, 1] * 4.0, 0.0, 1.0)
        hist = np.zeros((hb, sb, vb), dtype=np.float32)
        # A subject cut out by its matte (RGBA) is judged on its own colours, so a hue on a bin's edge must not
        # flip bins: pure yellow sits on the 60° edge, and a light's clipped channels nudge it across. Its hue is
        # shared between the two nearest bins. A whole picture (a set) keeps hard bins: after a colour grade has
        # matched its colour statistics, they are what still tells a wrong set from the right one.
        hues = _soft_hues(hsv[:, 0], hb) if soft else [(np.minimum((hsv[:, 0] * hb).astype(int), hb - 1), 1.0)]
        for h, part in hues:
            np.add.at(hist, (h, s, v), saturated * share * part)
        grey = np.bincount(v[s == 0], weights=((1.0 - saturated) * share)[s == 0], minlength=vb).astype(np.float32)
        hist[:, 0, :] += grey[None, :] / hb
        return np.sqrt(hist.reshape(-1) / max(float(share.sum()), 1e-6))

    def _gradients(self, rgb: np.ndarray) -> np.ndarray:
        luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        gy, gx = np.gradient(luma)
        magnitude = np.hypot(gx, gy)
        angle = (np.arctan2(gy, gx) % np.pi) / np.pi
        bins = np.minimum((angle * self.orientations).astype(int), self.orientations - 1)
        height, width = luma.shape
        out = []
        for rows in (slice(0, height // 2), slice(height // 2, height)):
            for cols in (slice(0, width // 2), slice(width // 2, width)):
                out.append(np.bincount(bins[rows, cols].ravel(), magnitude[rows, cols].ravel(), self.orientations))
        return np.sqrt(np.concatenate(out).astype(np.float32))


def _soft_hues(hue: np.ndarray, bins: int) -> list[tuple[np.ndarray, np.ndarray | float]]:
    """Each hue (0..1, circular) as (bin, weight) pairs over its two nearest bin centres."""
    position = hue * bins - 0.5
    low = np.floor(position).astype(int)
    upper = (position - low).astype(np.float32)
    return [(low % bins, 1.0 - upper), ((low + 1) % bins, upper)]
