"""From stored tables to figures: observations, aggregation, comparison, changes."""
