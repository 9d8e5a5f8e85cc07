"""Rendering: case views, charts, pages, portfolio and open data, read from evaluated cases."""
