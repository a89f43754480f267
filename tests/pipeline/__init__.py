"""Tests of bwmonitor.pipeline."""
