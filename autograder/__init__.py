"""Keras Model Wars: Keras-3-native model inspection, checks that teach, and the course's commands."""

from .describe import describe
from .lesson import setup_lesson
from .quiet import quiet_tensorflow
from .selfpaced import check, hint, progress

__version__ = "0.1.0"
__all__ = ["describe", "setup_lesson", "quiet_tensorflow", "check", "hint", "progress"]
