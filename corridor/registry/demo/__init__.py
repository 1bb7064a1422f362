"""The demo data set: authorities, zones, organisations and one login per role.

The data lives in ``data/`` as JSON written by hand; ``loader.load_demo`` upserts it.
"""

from .loader import DEFAULT_PASSWORD, DemoResult, load_demo

__all__ = ["DEFAULT_PASSWORD", "DemoResult", "load_demo"]
