"""`python -m bwmonitor` runs the command line."""

from bwmonitor.cli import main

main()
