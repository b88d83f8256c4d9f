"""Shared test set-up: quiet TensorFlow before anything imports it."""

from autograder.quiet import quiet_tensorflow

quiet_tensorflow()
