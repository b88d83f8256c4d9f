"""A classroom on this machine: JupyterHub for one instructor and a few students, with nbgrader's exchange.

`make classroom` runs `python -m autograder.classroom`; the hub's own configuration is classroom/jupyterhub_config.py.
"""
