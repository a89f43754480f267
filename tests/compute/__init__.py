"""Tests of bwmonitor.compute."""
