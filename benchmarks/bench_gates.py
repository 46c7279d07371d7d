"""Gate throughput and frame-store latency on this machine.

- character + lighting gates, frames/s, for the offline embedder and for open_clip ViT-B-32 with random weights
  (pretrained="" → random init: the same compute as the real model, nothing downloaded);
- Chroma query latency p50/p99 with 10k stored frames, plain and with the reference filter the gate uses.

Run: ``.venv/bin/python benchmarks/bench_gates.py [--frames 48] [--store 10000] [--skip-open-clip]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backends.chroma import open_client
from backends.embedders import Embedder, OfflineEmbedder, OpenClipEmbedder
from backends.frame_store import FrameKind, FrameMeta, FrameStore
from domain.settings import StoreSettings
from tools.gates.boxes import plate
from tools.gates.character import best_similarity, character_crops
from tools.gates.lighting import clip_kelvin
from tools.gates.synthetic import Figure, Scene, Set, moved, paint

WIDTH, HEIGHT = 720, 1280
MEI = Figure("mei")


def gate_frames(count: int) -> list[np.ndarray]:
    scene = Scene((MEI,), Set(kelvin=3200))
    return [paint(moved(scene, 0.002 * i), WIDTH, HEIGHT, seed=i) for i in range(count)]


def gate_throughput(embedder: Embedder, frames: list[np.ndarray], batch: int = 3) -> float:
    """Frames/s through the gates' per-frame work: crop + embed + compare, plate + embed + compare, kelvin."""
    boxes = [{"mei": MEI.box} for _ in frames]
    references = embedder.embed([frames[0][:10, :10]])
    embedder.embed(frames[:1])  # warm-up (model load, first-call costs)
    start = time.perf_counter()
    for i in range(0, len(frames), batch):
        chunk, chunk_boxes = frames[i : i + batch], boxes[i : i + batch]
        crops, _ = character_crops(chunk, chunk_boxes, "mei", 3200.0)
        best_similarity(embedder.embed(crops), references)
        plates = [plate(f, list(b.values())) for f, b in zip(chunk, chunk_boxes, strict=True)]
        best_similarity(embedder.embed(plates), references)
        clip_kelvin(chunk, [list(b.values()) for b in chunk_boxes])
    return len(frames) / (time.perf_counter() - start)


def store_latency(size: int, dim: int = 512, queries: int = 200) -> dict[str, float]:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = FrameStore(open_client(StoreSettings(), Path(tmp)), "bench")
        start = time.perf_counter()
        for lo in range(0, size, 2500):
            n = min(2500, size - lo)
            vectors = rng.normal(size=(n, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            metas = []
            for i in range(lo, lo + n):
                kind: FrameKind = "reference" if i % 50 == 0 else "frame"
                metas.append(
                    FrameMeta(
                        shot=f"E{i % 6 + 1:02d}-S{i % 40 + 1:03d}-SH{i % 9 + 1:02d}",
                        path=f"frames/{i}.png",
                        kind=kind,
                        character=f"c{i % 12}" if kind == "reference" else "",
                        characters=[f"c{i % 12}", f"c{(i + 5) % 12}"],
                        location=f"loc{i % 30}",
                        approved=i % 3 == 0,
                    )
                )
            store.add([f"frames/{i}.png" for i in range(lo, lo + n)], vectors, metas)
        add_s = time.perf_counter() - start
        probes = rng.normal(size=(queries, dim)).astype(np.float32)
        plain, filtered, refs = [], [], []
        for q in probes:
            t = time.perf_counter()
            store.query(q, n=5)
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            store.query(q, n=5, kind="frame", location="loc7", approved=True)
            filtered.append(time.perf_counter() - t)
            t = time.perf_counter()
            store.references("c3")
            refs.append(time.perf_counter() - t)
        ms = lambda xs, p: float(np.percentile(np.array(xs) * 1000.0, p))  # noqa: E731
        return {
            "add_s": add_s,
            "plain_p50": ms(plain, 50),
            "plain_p99": ms(plain, 99),
            "filtered_p50": ms(filtered, 50),
            "filtered_p99": ms(filtered, 99),
            "references_p50": ms(refs, 50),
            "references_p99": ms(refs, 99),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=48, help="720x1280 frames pushed through the gates")
    parser.add_argument("--clip-frames", type=int, default=24, help="frames for open_clip (slow on a CPU)")
    parser.add_argument("--store", type=int, default=10_000, help="frames stored in Chroma for the latency test")
    parser.add_argument("--skip-open-clip", action="store_true")
    args = parser.parse_args()

    frames = gate_frames(max(args.frames, args.clip_frames))
    offline = gate_throughput(OfflineEmbedder(), frames[: args.frames])
    print(f"gates, offline embedder:            {offline:8.1f} frames/s  ({WIDTH}x{HEIGHT}, crop + plate + kelvin)")
    if not args.skip_open_clip:
        embedder = OpenClipEmbedder("ViT-B-32", pretrained="", batch_size=16)
        start = time.perf_counter()
        _ = embedder.dim
        print(f"open_clip ViT-B-32 load (random):   {time.perf_counter() - start:8.1f} s")
        clip_rate = gate_throughput(embedder, frames[: args.clip_frames], batch=8)
        print(f"gates, open_clip ViT-B-32 (random): {clip_rate:8.1f} frames/s")
        print(f"offline / open_clip:                {offline / clip_rate:8.1f}x faster")
    stats = store_latency(args.store)
    print(f"chroma: {args.store} frames (512-d) added in {stats['add_s']:.1f} s")
    for label, key in (
        ("query top-5", "plain"),
        ("query top-5, location filter", "filtered"),
        ("references(character)", "references"),
    ):
        print(f"chroma {label:29s} p50 {stats[key + '_p50']:6.2f} ms   p99 {stats[key + '_p99']:6.2f} ms")


if __name__ == "__main__":
    main()
