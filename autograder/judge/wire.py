"""Carry values between the student's kernel and the grader as plain data, and read them back safely.

The grader judges answers outside the student's kernel (see `judging.py`): it asks the kernel to call the
student's functions and sends the results back through this module. Whatever the kernel sends is untrusted,
so it travels as data only: JSON for Python values, `.npy` without pickles for arrays, and a Keras model as the
configuration a `.keras` file would hold plus its weight arrays, rebuilt with `safe_mode=True`. A value of any other
kind arrives as an `Opaque` stand-in named after its type, which no test accepts.

A message is a JSON header plus named binary blobs, framed by lengths, over a stream socket.
"""

from __future__ import annotations

import builtins
import functools
import io
import json
import os
import socket
import struct
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

MAX_MESSAGE = 256 * 2**20
"""The largest message either side accepts, in bytes."""
MAX_FILE = 32 * 2**20
"""The largest file an answer may bring back with its result (see `returned_files`), in bytes."""
MAX_FILES = 8
"""The most files one call may bring back."""
SAFE_ERRORS = {
    name: getattr(builtins, name)
    for name in (
        "ArithmeticError", "AssertionError", "AttributeError", "IndexError", "KeyError", "LookupError",
        "NameError", "NotImplementedError", "OverflowError", "RecursionError", "RuntimeError", "TypeError",
        "ValueError", "ZeroDivisionError", "MemoryError",
    )
}


class WireError(Exception):
    """A message that is malformed, too large, or not what was expected."""


class UnreadableModel(AssertionError):
    """A model the grader cannot rebuild from its file: the test that asked for it fails with this message."""


@dataclass(frozen=True)
class Opaque:
    """What the grader sees of a value it cannot carry: its type's name and a short description."""

    type_name: str
    description: str

    def __repr__(self) -> str:
        return self.description or f"<{self.type_name}>"


@functools.lru_cache(maxsize=256)
def _stand_in_class(type_name: str) -> type[Opaque]:
    """The `Opaque` subclass named after the type it stands for, so that a message naming the value's type
    (`type(value).__name__`) reads as it does in the kernel: "returned KerasTensor", not "returned Opaque"."""
    name = type_name if type_name.isidentifier() else "object"
    return type(name, (Opaque,), {"__module__": __name__, "__qualname__": name})


def stand_in(type_name: str, description: str) -> Opaque:
    """An `Opaque` stand-in for a value of the type named `type_name`."""
    return _stand_in_class(type_name)(type_name, description)


def _keras():
    import keras

    return keras


def model_config(model: Any) -> bytes:
    """A Keras model's architecture and compile settings, as the JSON that a `.keras` file holds in `config.json`."""
    return json.dumps(_keras().saving.serialize_keras_object(model)).encode()


def model_from_parts(config: bytes, weights: list[Any]) -> Any:
    """Rebuild a Keras model from `model_config`'s JSON and the arrays of `get_weights()`, refusing code.

    This is what `keras.saving.load_model(..., safe_mode=True)` does with a `.keras` file (deserialize the
    configuration in safe mode, compile from the compile settings, set the weights), without the zip archive and the
    HDF5 file, which cost several times more for the course's small models.

    Raises:
        ValueError, TypeError: when the configuration or the weights do not make a model (unsafe code among them).
    """
    keras = _keras()
    found = json.loads(config)
    if not isinstance(found, dict):
        raise ValueError("a model's configuration is not a dictionary")
    compile_config = found.pop("compile_config", None)
    with warnings.catch_warnings():  # e.g. a model compiled before it was built: nothing to report
        warnings.simplefilter("ignore")
        model = keras.saving.deserialize_keras_object(found, safe_mode=True)
    if not isinstance(model, keras.Model):
        raise TypeError(f"a {type(model).__name__} arrived where a model was expected")
    model.set_weights(weights)
    if compile_config is not None:
        compile_from_config(model, compile_config)
    return model


def compile_from_config(model: Any, config: Any) -> None:
    """Compile `model` with the settings `model.get_compile_config()` gave, read in Keras's safe mode.

    What `model.compile_from_config` does, but for creating the optimizer's variables at once (two for each weight,
    with Adam): they start at zero whenever they are made, and training makes them anyway. Rebuilding a small
    model took a third less time without them (23 ms instead of 34).

    Raises:
        ValueError, TypeError: when the settings do not make a compiled model (unsafe code among them).
    """
    keras = _keras()
    if not isinstance(config, dict):
        raise ValueError("a model's compile settings are not a dictionary")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        settings = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if not isinstance(settings, dict):
            raise ValueError("a model's compile settings are not a dictionary")
        model.compile(**settings)


def weights_digest(model: Any) -> bytes:
    """A fingerprint of a model's state that a call may change: its weights, compile settings and `trainable` flags."""
    import hashlib

    digest = hashlib.sha256()
    for array in model.get_weights():
        digest.update(str((array.dtype, array.shape)).encode())
        digest.update(array.tobytes())
    config = model.get_compile_config() if getattr(model, "compiled", False) else None
    digest.update(json.dumps(config, sort_keys=True, default=repr).encode())
    digest.update(bytes(trainable_flags(model)))
    return digest.digest()


def layer_tree(model: Any) -> list[Any]:
    """The model, then each of its layers, depth first (a model used as a layer is followed by its own layers).

    Both sides walk a model this way, so that a list of `trainable` flags can travel as plain booleans: the
    `.keras` format keeps each layer's flag, but not a `Sequential` model's own.
    """
    found = [model]
    for layer in getattr(model, "layers", []):
        found += layer_tree(layer) if isinstance(layer, _keras().Model) else [layer]
    return found


def trainable_flags(model: Any) -> list[bool]:
    """The `trainable` flag of the model and of each layer in `layer_tree` order."""
    return [bool(layer.trainable) for layer in layer_tree(model)]


def apply_trainable_flags(model: Any, flags: Any) -> None:
    """Set the flags `trainable_flags` read from the other side's copy; anything but a matching list changes nothing.

    Parents come before their layers, so a model's own flag never overrides a layer's.
    """
    layers = layer_tree(model)
    if not isinstance(flags, list) or len(flags) != len(layers) or not all(type(f) is bool for f in flags):
        return
    for layer, flag in zip(layers, flags, strict=True):
        if layer.trainable != flag:
            layer.trainable = flag


def safe_relative_path(value: Any) -> bool:
    """Whether `value` names a file an answer may write for the grader: a relative path that stays in its folder.

    A call's string arguments that pass this are where the kernel looks for files to bring back with the result
    (`returned_files`), and the only places the grader writes them.
    """
    if not isinstance(value, str) or not value or len(value) > 255 or "\x00" in value or "\\" in value:
        return False
    path = PurePosixPath(value)
    return not path.is_absolute() and ".." not in path.parts and path.name not in ("", ".")


def returned_files(values: list, encoder: Encoder) -> dict[str, str]:
    """The files found at the path arguments `values`, after a call, as blobs of `encoder`: path -> blob name.

    Only regular files (no links), each at most `MAX_FILE` bytes, at most `MAX_FILES` of them.
    """
    import stat

    found: dict[str, str] = {}
    for value in values:
        if len(found) >= MAX_FILES or not safe_relative_path(value) or value in found:
            continue
        try:
            info = os.lstat(value)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE:
            continue
        fd = os.open(value, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_FILE + 1)
        if len(data) <= MAX_FILE:
            found[value] = encoder.add_blob(data)
    return found


def write_returned_files(folder: Any, files: Any, blobs: dict[str, bytes], asked: list) -> list[str]:
    """Write the files a call brought back into `folder`, each at the relative path it was asked for.

    Nothing the kernel says is trusted: a file is written only at a path that was one of the call's own
    arguments (`asked`) and passes `safe_relative_path`, within `folder`, through no link, and at most
    `MAX_FILE` bytes. Anything else is skipped.

    Returns:
        The paths written.
    """
    from pathlib import Path

    if folder is None or not isinstance(files, dict):
        return []
    root = os.path.realpath(folder)
    written = []
    for path, blob in list(files.items())[:MAX_FILES]:
        if (path not in asked or not safe_relative_path(path) or not isinstance(blob, str) or blob not in blobs
                or len(blobs[blob]) > MAX_FILE):
            continue
        target = Path(root) / path
        if os.path.commonpath([os.path.realpath(target), root]) != root:  # through a link out of the folder
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blobs[blob])
        written.append(path)
    return written


def array_to_bytes(array: Any) -> bytes:
    """An array as the bytes of an `.npy` file, without pickles."""
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _array_from_bytes(data: bytes) -> Any:
    import numpy as np

    return np.load(io.BytesIO(data), allow_pickle=False)


class Encoder:
    """Turns values into a JSON-able tree plus blobs. `models` lets a value refer to a model by its position."""

    def __init__(self, known_models: list[Any] | None = None) -> None:
        self.blobs: dict[str, bytes] = {}
        self.known_models = known_models or []

    def add_blob(self, data: bytes) -> str:
        """Keep `data` as a blob; return its name."""
        name = f"b{len(self.blobs)}"
        self.blobs[name] = data
        return name

    def encode(self, value: Any, depth: int = 0) -> dict:
        """The tree for `value`."""
        if depth > 20:
            return {"t": "opaque", "type": type(value).__name__, "repr": "a value nested too deeply"}
        if value is None or isinstance(value, (bool, str)):
            return {"t": "py", "v": value}
        if isinstance(value, int):
            return {"t": "py", "v": int(value)}
        if isinstance(value, float):
            return {"t": "float", "v": repr(float(value))}
        if isinstance(value, (list, tuple)):
            return {"t": type(value).__name__ if type(value) in (list, tuple) else "tuple",
                    "items": [self.encode(item, depth + 1) for item in value]}
        if isinstance(value, dict):
            return {"t": "dict", "items": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        import numpy as np

        if isinstance(value, (np.ndarray, np.generic)):
            try:
                return {"t": "array", "blob": self.add_blob(array_to_bytes(value)), "scalar": isinstance(value, np.generic)}
            except ValueError:  # an array of objects cannot travel without pickles
                pass
        kind = type(value).__module__.split(".")[0]
        keras = _keras()
        if isinstance(value, keras.Model):
            for index, known in enumerate(self.known_models):
                if value is known:
                    return {"t": "arg_model", "index": index}
            return {"t": "model", **self.model_parts(value), "reused": self._reused(value)}
        if isinstance(value, keras.callbacks.History):
            return {"t": "history", "history": self.encode(dict(value.history), depth + 1)}
        if isinstance(value, type):  # a class (`keras.Sequential` without its brackets) is no function to look up
            return {"t": "opaque", "type": "type", "repr": str(getattr(value, "__name__", ""))[:200]}
        if callable(value) and getattr(value, "__name__", None):
            return {"t": "function", "name": str(value.__name__)}
        if kind in ("tensorflow", "keras") and hasattr(value, "numpy"):
            try:
                return {"t": "array", "blob": self.add_blob(array_to_bytes(value.numpy())), "scalar": False}
            except Exception:  # noqa: BLE001 (symbolic tensors have no values)
                pass
        return {"t": "opaque", "type": type(value).__name__, "repr": repr(value)[:200]}

    def model_parts(self, model: Any) -> dict:
        """A model as blobs: `config` (its `model_config`) and `weights` (one `.npy` blob per array)."""
        return {"config": self.add_blob(model_config(model)),
                "weights": [self.add_blob(array_to_bytes(array)) for array in model.get_weights()]}

    def _reused(self, model: Any) -> list[list[int]]:
        """For each top-level layer of `model` that is a top-level layer of a known model: [its index, model, index]."""
        found = []
        for position, layer in enumerate(model.layers):
            for owner, known in enumerate(self.known_models):
                for index, candidate in enumerate(known.layers):
                    if layer is candidate:
                        found.append([position, owner, index])
        return found


class Decoder:
    """Turns a tree and its blobs back into values, accepting only the kinds `Encoder` writes."""

    def __init__(self, blobs: dict[str, bytes], known_models: list[Any] | None = None) -> None:
        self.blobs = blobs
        self.known_models = known_models or []

    def _blob(self, node: dict) -> bytes:
        name = node.get("blob")
        if not isinstance(name, str) or name not in self.blobs:
            raise WireError(f"a value refers to a missing blob {name!r}")
        return self.blobs[name]

    def arrays(self, names: Any) -> list[Any]:
        """The arrays in the blobs `names` (a list), refusing arrays of objects."""
        arrays = [_array_from_bytes(self._blob({"blob": name})) for name in _list(names)]
        if any(array.dtype.hasobject for array in arrays):
            raise WireError("an array holds objects")
        return arrays

    def model(self, node: dict) -> Any:
        """The model in `node`'s `config` and `weights` blobs (`Encoder.model_parts`)."""
        return model_from_parts(self._blob({"blob": node.get("config")}), self.arrays(node.get("weights")))

    def decode(self, node: Any) -> Any:
        """The value for the tree `node`."""
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise WireError("a value is not in the expected form")
        kind = node["t"]
        if kind == "py":
            value = node.get("v")
            if value is not None and type(value) not in (bool, int, str):
                raise WireError("a plain value has an unexpected type")
            return value
        if kind == "float":
            return float(str(node.get("v")))
        if kind in ("list", "tuple"):
            items = [self.decode(item) for item in _list(node.get("items"))]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return {_hashable(self.decode(k)): self.decode(v) for k, v in (_pair(p) for p in _list(node.get("items")))}
        if kind == "array":
            array = _array_from_bytes(self._blob(node))
            if array.dtype.hasobject:
                raise WireError("an array holds objects")
            return array[()] if node.get("scalar") is True and array.ndim == 0 else array
        if kind == "arg_model":
            index = node.get("index")
            if type(index) is not int or not 0 <= index < len(self.known_models):
                raise WireError("a value refers to an argument that does not exist")
            return self.known_models[index]
        if kind == "model":
            try:
                model = self.model(node)
            except Exception as error:  # noqa: BLE001 (unsafe or broken files are refused, never run)
                raise UnreadableModel(
                    "The grader could not rebuild the model your function returned from its saved file "
                    f"({type(error).__name__}). Build it from Keras's own layers, without Lambda layers or "
                    "layer classes of your own."
                ) from None
            reused = _list(node.get("reused", []))
            return relink_layers(model, reused, self.known_models) if reused else model
        if kind == "history":
            keras = _keras()
            history = keras.callbacks.History()
            history.history = self.decode(node.get("history"))
            if not isinstance(history.history, dict):
                raise WireError("a training history is not a dictionary")
            return history
        if kind == "function":
            return _function(str(node.get("name", "")))
        if kind == "opaque":
            return stand_in(str(node.get("type", "object"))[:100], str(node.get("repr", ""))[:200])
        raise WireError(f"unknown kind of value {kind!r}")


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise WireError("a list was expected")
    return value


def _pair(value: Any) -> tuple:
    if not isinstance(value, list) or len(value) != 2:
        raise WireError("a key and a value were expected")
    return value[0], value[1]


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        raise WireError("a dictionary key cannot be used as a key") from None
    return value


def _function(name: str) -> Any:
    """A Keras activation by name, or a stand-in that only carries the name."""
    keras = _keras()
    try:
        return keras.activations.get(name)
    except (ValueError, TypeError):
        return stand_in("function", name)


def relink_layers(model: Any, reused: list, known_models: list[Any]) -> Any:
    """Rebuild `model` on the grader's own layer objects where the kernel says it reused an argument's layers.

    The claim is checked: a layer is only linked when its weights are exactly those of the argument's layer.
    """
    import numpy as np

    keras = _keras()
    links = {}
    for entry in reused:
        if not (isinstance(entry, list) and len(entry) == 3 and all(type(i) is int for i in entry)):
            raise WireError("a reused layer is not described as three numbers")
        position, owner, index = entry
        if not (0 <= position < len(model.layers) and 0 <= owner < len(known_models)
                and 0 <= index < len(known_models[owner].layers)):
            continue
        mine, theirs = model.layers[position], known_models[owner].layers[index]
        ours, original = mine.get_weights(), theirs.get_weights()
        if len(ours) == len(original) and all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(ours, original, strict=True)):
            links[id(mine)] = theirs
    if not links:
        return model
    try:
        return keras.models.clone_model(model, clone_function=lambda layer: links.get(id(layer), layer))
    except Exception:  # noqa: BLE001 (a graph the clone cannot follow keeps its own layers)
        return model


def send(sock: socket.socket, header: dict, blobs: dict[str, bytes] | None = None) -> None:
    """Send a header and blobs as one framed message."""
    blobs = blobs or {}
    head = json.dumps({"header": header, "blobs": {k: len(v) for k, v in blobs.items()}}).encode()
    sock.sendall(struct.pack("!Q", len(head)) + head)
    for name in header_blob_order(blobs):
        sock.sendall(blobs[name])


def header_blob_order(blobs: dict[str, bytes]) -> list[str]:
    """The order in which blobs follow the header."""
    return sorted(blobs)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 2**20))
        if not chunk:
            raise WireError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> tuple[dict, dict[str, bytes]]:
    """Receive one framed message: its header and blobs."""
    (size,) = struct.unpack("!Q", _read_exactly(sock, 8))
    if size > MAX_MESSAGE:
        raise WireError("a message is too large")
    try:
        head = json.loads(_read_exactly(sock, size))
        sizes = head["blobs"]
        header = head["header"]
    except (ValueError, KeyError, TypeError):
        raise WireError("a message header is not valid JSON") from None
    if not isinstance(sizes, dict) or not isinstance(header, dict):
        raise WireError("a message header is not in the expected form")
    if sum(int(n) for n in sizes.values()) > MAX_MESSAGE:
        raise WireError("a message is too large")
    blobs = {name: _read_exactly(sock, int(sizes[name])) for name in header_blob_order(sizes)}
    return header, blobs
