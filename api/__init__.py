"""Thin interface layers over engine/: the command line (cli.py, commands/) and the HTTP service."""
