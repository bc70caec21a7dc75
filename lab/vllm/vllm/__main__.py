"""python -m vllm ... is the same as the vllm console script."""

import sys

from vllm.entrypoints.cli.main import main

sys.exit(main())
