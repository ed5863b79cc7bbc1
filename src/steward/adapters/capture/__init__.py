"""Capture what a model is made of: its bytes, its framework, its code and its environment."""
