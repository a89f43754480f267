"""Tests of bwmonitor.cli."""
