"""Tests of bwmonitor.publish."""
