"""Keep TensorFlow's start-up chatter off stderr.

nbgrader gives 0 points to a test cell that writes to stderr, and JupyterLab shows stderr in red boxes that
frighten beginners. TensorFlow's C++ logs (oneDNN, CPU features, absl) and Keras's warnings all go there.
"""

from __future__ import annotations

import logging
import os
import warnings

QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # no C++ INFO, WARNING or ERROR logs
    "TF_ENABLE_ONEDNN_OPTS": "0",  # no oneDNN banner (and the absl line that comes with it)
    "KERAS_BACKEND": "tensorflow",
}

# Regular expression for nbgrader's IgnorePattern: stderr that is noise, never the student's error.
NOISE_PATTERN = (
    r"absl::InitializeLog|oneDNN custom operations|cpu_feature_guard|TF_ENABLE_ONEDNN_OPTS"
    r"|This TensorFlow binary is optimized|^[IWE]\d{4} \d\d:\d\d:\d\d|Warning: "
)


def quiet_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """Return a copy of `env` (default: this process's) with TensorFlow's logging turned down."""
    result = dict(os.environ if env is None else env)
    result.update(QUIET_ENV)
    return result


def quiet_tensorflow() -> None:
    """Turn TensorFlow's and Keras's stderr output down in this process.

    Call it before `import keras`; the environment variables have no effect on a TensorFlow already loaded.
    """
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore", module=r"keras(\.|$)")
    warnings.filterwarnings("ignore", module=r"tensorflow(\.|$)")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass
