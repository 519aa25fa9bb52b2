"""The provincial office's computations (issue 16): pure, plain data in and out, no I/O."""
