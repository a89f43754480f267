"""Tests of bwmonitor.core."""
