"""bwmonitor: a reproducible Monitor Brede Welvaart pipeline on CBS StatLine data."""

__version__ = "0.1.0"
