"""Tests of bwmonitor.store."""
