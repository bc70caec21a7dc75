"""Version of the stand-in: the vLLM release whose behaviour it imitates, plus a local label."""

__version__ = "0.17.1+lab.1"
__version_tuple__ = (0, 17, 1, "lab", 1)
