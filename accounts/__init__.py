"""Harver customers (accounts) and their staff users: the bottom of the app graph."""
