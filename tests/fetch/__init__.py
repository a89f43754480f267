"""Tests of bwmonitor.fetch."""
