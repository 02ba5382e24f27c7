"""Indexes derived from the store: keyword (BM25, `keyword`) and vector (ANN, `vectors`).

Submodules are imported directly so that keyword search does not load usearch/onnxruntime.
"""
