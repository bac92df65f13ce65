"""`python -m bench [module ...]`: see `bench.runner`."""

import sys

from bench.runner import main

main(sys.argv[1:])
