"""The playbook-engine lab's vLLM stand-in (see lab/vllm/README.md). Importing it imports no Ray."""

from vllm.version import __version__

__all__ = ["__version__"]
