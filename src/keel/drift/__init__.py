"""Baselines, drift statistics and regression alerts."""
