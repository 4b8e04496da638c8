"""Sphinx configuration of the glance documentation."""

project = 'glance'
copyright = 'glance contributors'
extensions = ['oslo_config.sphinxext']
source_suffix = {'.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = []
html_theme = 'alabaster'
