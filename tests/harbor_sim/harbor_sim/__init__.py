"""harbor-sim: a stateful Harbor API double for tests (see ../README.md)."""

__version__ = "2.15.2-sim.1"
HARBOR_VERSION = "v" + __version__
