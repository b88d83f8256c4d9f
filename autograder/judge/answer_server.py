"""The kernel's side of judging outside the kernel: call the student's functions when the grader asks.

While grading, a last cell added to the student's notebook runs `serve()`. The grader (`judging.py`) connects
over a Unix socket in the kernel's scratch folder and sends calls such as `build_sequential_model(8)`; this side
calls the student's function and sends back the result as data (`wire.py`), with the new state of any model it
was given (weights, compile settings, `trainable` flags), and the files it wrote at the paths it was given. Nothing
here decides a grade: everything it sends is checked by the grader.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import sys
from typing import Any

from .wire import (
    Decoder,
    Encoder,
    WireError,
    apply_trainable_flags,
    array_to_bytes,
    receive,
    returned_files,
    send,
    trainable_flags,
    weights_digest,
)

MAX_PRINTED = 2**20
"""How much of what one call prints goes back to the grader, per stream, in characters."""
SERVE_CELL = "import autograder.judge.answer_server as _kmw_answers\n_kmw_answers.serve({path!r})"
"""The cell the grader adds at the end of a notebook (`path`: the socket's path)."""


def models_in(args: list, kwargs: dict) -> list[Any]:
    """The Keras models among a call's arguments, in order: positional first, then by keyword."""
    keras = sys.modules.get("keras")  # not imported yet: no value can be a model (and importing it takes seconds)
    if keras is None:
        return []
    return [value for value in [*args, *kwargs.values()] if isinstance(value, keras.Model)]


def handle(namespace: dict, header: dict, blobs: dict[str, bytes]) -> tuple[dict, dict[str, bytes]]:
    """Answer one request from the grader.

    Args:
        namespace: the notebook's variables.
        header: `{"op": "call", "name": ..., "args": [...], "kwargs": {...}}`, values as `wire` trees, and
            optionally `arg_trainable`, the `trainable` flags of each model argument (`wire.trainable_flags`).
        blobs: the binary parts of the arguments.

    Returns:
        The reply: `status` `ok` with the `result`, the `arg_models` (for each model argument, its new weights and
        compile settings, or None when the call left them as they were: `model_state`), the `arg_trainable` (its
        `trainable` flags) and the `files` written at path arguments (`wire.returned_files`), `raised` with the error's
        `type`, the `kinds` it is (its classes' names, most specific first) and `message`, or `missing` when the
        name is not defined. With `ok` and `raised`, what the call printed (`printed`), which the grader shows in the
        test cell, as the kernel would have.
    """
    if header.get("op") != "call" or not isinstance(header.get("name"), str):
        return {"status": "bad_request"}, {}
    name = header["name"]
    if name not in namespace:
        return {"status": "missing"}, {}
    decoder = Decoder(blobs)
    try:
        args = [decoder.decode(node) for node in header.get("args", [])]
        kwargs = {str(key): decoder.decode(node) for key, node in dict(header.get("kwargs", {})).items()}
    except WireError as error:
        return {"status": "bad_request", "message": str(error)}, {}
    known = models_in(args, kwargs)
    sent_flags = header.get("arg_trainable")
    for model, flags in zip(known, sent_flags if isinstance(sent_flags, list) else [], strict=False):
        apply_trainable_flags(model, flags)
    before = [state_digest(model) for model in known]
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = namespace[name](*args, **kwargs)
    except Exception as error:  # noqa: BLE001 (the student's error is the answer the grader asked for)
        kinds = [kind.__name__ for kind in type(error).__mro__]  # so that a ValueError of the student's own stays one
        return {"status": "raised", "type": type(error).__name__, "kinds": kinds, "message": str(error)[:4000],
                **printed(out, err)}, {}
    encoder = Encoder(known_models=known)
    node = encoder.encode(result)
    state = [model_state(model, encoder) if state_digest(model) != digest else None
             for model, digest in zip(known, before, strict=True)]
    files = returned_files([*args, *kwargs.values()], encoder)
    flags = [trainable_flags(model) for model in known]
    return {"status": "ok", "result": node, "arg_models": state, "arg_trainable": flags, "files": files,
            **printed(out, err)}, encoder.blobs


def printed(out: io.StringIO, err: io.StringIO) -> dict[str, str]:
    """What a call printed, for the grader to show in the test that made it: `stdout` and `stderr`, each cut at
    `MAX_PRINTED` characters."""
    found = {}
    for name, stream in (("stdout", out), ("stderr", err)):
        text = stream.getvalue()
        if len(text) > MAX_PRINTED:
            text = text[:MAX_PRINTED] + "\n[autograder] The rest of this output was dropped: print less.\n"
        if text:
            found[name] = text
    return found


def state_digest(model: Any) -> bytes | None:
    """`wire.weights_digest` of a model, or None when it cannot be read."""
    try:
        return weights_digest(model)
    except Exception:  # noqa: BLE001 (a model the student broke: its state is sent whenever asked)
        return None


def model_state(model: Any, encoder: Encoder) -> dict | None:
    """What a call changed in a model argument, for the grader's copy: its weights (blobs) and compile settings."""
    try:
        config = model.get_compile_config() if getattr(model, "compiled", False) else None
        return {"weights": [encoder.add_blob(array_to_bytes(array)) for array in model.get_weights()],
                "compile": json.loads(json.dumps(config)) if config else None}
    except Exception:  # noqa: BLE001 (a model that cannot be read keeps the grader's copy)
        return None


def _user_namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:
        pass
    import __main__

    return vars(__main__)


def serve(path: str, wait_seconds: float = 30.0, namespace: dict | None = None) -> None:
    """Answer the grader's calls until it says it is done, or until no grader connects within `wait_seconds`.

    Args:
        path: the socket's path, in the kernel's scratch folder.
        wait_seconds: how long to wait for the grader to connect.
        namespace: where the student's functions are; by default the notebook's variables.
    """
    namespace = _user_namespace() if namespace is None else namespace
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(path)
        os.chmod(path, 0o666)  # the judge runs as a user of its own
        server.listen(1)
        server.settimeout(wait_seconds)
        try:
            connection, _ = server.accept()
        except TimeoutError:
            return
        connection.settimeout(None)
        with connection:
            while True:
                try:
                    header, blobs = receive(connection)
                except (WireError, OSError):
                    return
                if header.get("op") == "done":
                    return
                send(connection, *handle(namespace, header, blobs))
    finally:
        server.close()
