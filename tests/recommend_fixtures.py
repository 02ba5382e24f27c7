"""A tiny arXiv-like world for the "for you" tests: three topics, readers who write in one.

Each topic has its own vocabulary, so a ranker that learns from a library can tell them
apart, and a ranker that cannot (newest first) cannot. Author names appear in no text.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import orjson

from paperboy.evaluation.recommend_data import read_records
from paperboy.rank.for_you import FeatureSpace

CUT = date(2026, 1, 1)

TOPICS = {
    "graphs": (
        "cs.LG",
        [
            "Message passing graph neural networks for molecular property prediction",
            "Graph transformers on molecules with positional encodings of atoms and bonds",
            "Equivariant graph networks predict protein ligand binding from molecular graphs",
            "Self-supervised pretraining of graph neural networks on large molecule collections",
            "Oversmoothing in deep graph neural networks and how residual message passing avoids it",
            "Graph neural networks for crystal structures and material property prediction",
            "Molecular generation with graph diffusion models conditioned on chemical properties",
            "Benchmarking graph neural networks on molecular datasets with scaffold splits",
        ],
    ),
    "speech": (
        "eess.AS",
        [
            "End-to-end speech recognition with conformer encoders on noisy audio",
            "Self-supervised audio representations improve low-resource speech recognition",
            "Streaming automatic speech recognition with low latency transducers",
            "Speaker diarization of meeting audio with neural clustering",
            "Multilingual speech recognition with a single acoustic model for many languages",
            "Text to speech synthesis with expressive prosody from audio prompts",
            "Robust keyword spotting in far-field audio with small neural networks",
            "Speech enhancement removes reverberation before recognition of spoken words",
        ],
    ),
    "robots": (
        "cs.RO",
        [
            "Legged robot locomotion learned in simulation transfers to rough terrain",
            "Robotic grasping of unknown objects from depth cameras with learned grasp poses",
            "Motion planning for robot arms among moving obstacles in real time",
            "Imitation learning of manipulation skills from human teleoperation demonstrations",
            "Quadrotor drone navigation through forests with onboard vision",
            "Tactile sensing helps robot hands manipulate deformable objects",
            "Sim-to-real reinforcement learning for dexterous robot manipulation",
            "Mobile robot mapping and localisation in changing warehouses",
        ],
    ),
}


def record(arxiv_id: str, title: str, category: str, day: date, authors: list[str]) -> dict:
    """One line of the metadata-snapshot layout, as the 200k file has it."""
    return {
        "id": arxiv_id,
        "submitter": None,
        "authors": ", ".join(authors),
        "title": title,
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": category,
        "license": None,
        "abstract": f"We study {title.lower()}. Experiments on standard benchmarks show clear gains.",
        "versions": None,
        "update_date": day.isoformat(),
        "authors_parsed": [[n.rsplit(" ", 1)[-1], n.rsplit(" ", 1)[0], ""] for n in authors],
    }


def world() -> list[dict]:
    """Readers Qwerty Uiop (graphs) and Asdf Ghjk (speech) qualify; the others do not.

    Before the cut each topic has 5 papers (titles 0-4), by its reader and a co-author;
    after the cut titles 5-7 appear in the window (two by the reader), plus one paper
    dated after the window. Zxcv Bnmm has 5 papers before but one after; Poiu Few has
    four before.
    """
    rows = []
    readers = {"graphs": "Qwerty Uiop", "speech": "Asdf Ghjk", "robots": "Zxcv Bnmm"}
    for t, (topic, (category, titles)) in enumerate(TOPICS.items()):
        reader = readers[topic]
        for i in range(5):
            day = CUT - timedelta(days=200 - 20 * i)
            rows.append(record(f"2506.{t}000{i}", titles[i], category, day, [reader, f"Co Author{t}"]))
        after = [reader] if topic != "robots" else ["Someone Else"]
        rows.append(record(f"2601.{t}0005", titles[5], category, CUT + timedelta(days=3), [reader]))
        rows.append(record(f"2601.{t}0006", titles[6], category, CUT + timedelta(days=20), after))
        rows.append(record(f"2601.{t}0007", titles[7], category, CUT + timedelta(days=29), ["Other Person"]))
        rows.append(
            record(f"2602.{t}0008", titles[7] + " revisited", category, CUT + timedelta(days=30), [reader])
        )
    for i in range(4):
        rows.append(
            record(
                f"2507.9000{i}", TOPICS["robots"][1][i], "cs.RO", CUT - timedelta(days=10 + i), ["Poiu Few"]
            )
        )
    return sorted(rows, key=lambda r: r["id"])


def write_world(folder: Path) -> Path:
    """The world as arxiv-metadata-oai-snapshot.jsonl.gz in folder; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "arxiv-metadata-oai-snapshot.jsonl.gz", "wb") as out:
        for row in world():
            out.write(orjson.dumps(row) + b"\n")
    return folder


# The ranker tests' window (titles 5-7 of each topic) and two libraries from before the cut.
CANDIDATES = [f"2601.{t}000{i}" for t in range(3) for i in (5, 6, 7)]
SPEECH = [f"2506.1000{i}" for i in range(5)]
ROBOTS = [f"2506.2000{i}" for i in range(5)]


def world_space(folder: Path, embed: Callable[[list[str]], np.ndarray]) -> FeatureSpace:
    """The ranker's feature space over every paper of the world written in folder."""
    papers = [r.paper for r in read_records(folder)]
    return FeatureSpace(papers, embed([p.text for p in papers]))
