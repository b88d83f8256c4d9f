"""The judge outside the kernel: what crosses from the student's kernel is data, and forgeries gain nothing.

These tests run the judge against a namespace in this process (`LocalConnection`, every message turned into
bytes and back) or against `answer_server.serve` on a real Unix socket. The pipeline tests grade real cheating
notebooks end to end.
"""

import socket
import sys
import threading
import time

import keras
import nbformat
import numpy as np
import pytest
from keras import layers

from autograder.judge import judging as judge
from autograder.judge import verdicts, wire
from autograder.judge.answer_server import handle, serve
from autograder.judge.serve_cell import add_serve_cell, is_serve_cell, remove_serve_cell


class Anything(int):
    """A forged answer: equal to everything."""

    __eq__ = lambda self, other: True  # noqa: E731
    __ne__ = lambda self, other: False  # noqa: E731
    __hash__ = int.__hash__


def roundtrip(value, known=None):
    encoder = wire.Encoder(known)
    node = encoder.encode(value)
    return wire.Decoder(dict(encoder.blobs), known).decode(node)


def tiny_model():
    return keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="relu"), layers.Dense(1)])


def test_a_forged_number_arrives_as_the_plain_number_it_holds():
    """Does a value that claims to equal everything arrive as the plain int it really holds?"""
    value = roundtrip(Anything(0))
    assert type(value) is int and value == 0 and value != 16


def test_plain_values_survive_the_trip():
    """Do numbers, strings, tuples, dicts, arrays and numpy scalars arrive as they left?"""
    sent = {"pair": (1, "sigmoid"), "list": [0.5, None, True], "array": np.arange(6).reshape(2, 3),
            "scalar": np.float32(0.75)}
    got = roundtrip(sent)
    assert got["pair"] == (1, "sigmoid") and isinstance(got["pair"], tuple) and got["list"] == [0.5, None, True]
    assert np.array_equal(got["array"], sent["array"]) and got["scalar"] == np.float32(0.75)


def test_objects_that_need_pickles_arrive_as_opaque_stand_ins():
    """Do an array of objects and an unknown object arrive as opaque stand-ins, never unpickled, each named after its
    type (as a message that names the value's type shows it), whatever name the kernel sends?"""
    got = roundtrip([np.array([object()], dtype=object), (n for n in ()), object()])
    assert all(isinstance(item, wire.Opaque) for item in got)
    assert [type(item).__name__ for item in got] == ["ndarray", "generator", "object"]
    assert type(wire.Decoder({}).decode({"t": "opaque", "type": "not a name; import os", "repr": ""})).__name__ == "object"


@pytest.mark.parametrize("node", [
    {"t": "exec", "v": "import os"},
    {"t": "array", "blob": "missing"},
    {"t": "py", "v": {"nested": "dict"}},
    {"t": "dict", "items": [[{"t": "list", "items": []}, {"t": "py", "v": 1}]]},
    "not a node",
])
def test_malformed_values_are_refused(node):
    """Is a value of an unknown kind, with a missing blob, or with an unhashable key refused with WireError?"""
    with pytest.raises(wire.WireError):
        wire.Decoder({}).decode(node)


def test_a_model_arrives_as_a_real_model_with_its_weights_and_compile_settings():
    """Does a model arrive as a Keras model that predicts the same and keeps its compile settings?"""
    model = tiny_model()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    got = roundtrip(model)
    x = np.ones((2, 3), dtype="float32")
    assert isinstance(got, keras.Model) and got is not model
    assert np.allclose(got.predict(x, verbose=0), model.predict(x, verbose=0))
    assert got.get_compile_config()["loss"] == "mse"


def test_a_model_with_a_lambda_layer_is_refused_not_run():
    """Is a model holding a Lambda layer refused with a message for the student, instead of running its code?"""
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Lambda(lambda t: t * 2), layers.Dense(1)])
    with pytest.raises(wire.UnreadableModel, match="without Lambda layers"):
        roundtrip(model)


def test_compile_settings_that_name_code_are_refused_not_run(tmp_path):
    """Is a model whose compile settings carry a function's code (a lambda loss), sent as a result or left on a model
    argument, refused with a message for the student, instead of running that code?"""
    import json
    import warnings

    ran = tmp_path / "ran"
    path = str(ran)
    with warnings.catch_warnings():  # Keras warns that a lambda needs safe_mode=False to come back: that is the point
        warnings.simplefilter("ignore")
        code = keras.saving.serialize_keras_object(lambda y, p: open(path, "w").write("x"))  # noqa: SIM115
    model = tiny_model()
    config = json.loads(wire.model_config(model))
    config["compile_config"] = {"optimizer": "adam", "loss": code, "metrics": None}
    with pytest.raises(ValueError):
        wire.model_from_parts(json.dumps(config).encode(), model.get_weights())
    with pytest.raises(wire.UnreadableModel, match="compile settings"):
        judge.update_model(model, model.get_weights(), {"optimizer": "adam", "loss": code})
    assert not ran.exists() and not getattr(model, "compiled", False)


def test_a_students_model_compiled_with_a_lambda_loss_fails_its_test_without_running_it(tmp_path):
    """Does a student's function that returns a model compiled with a lambda loss (code that would run on the
    grader's side) get the student a message, while the grader never runs the lambda?"""
    import warnings

    path = str(tmp_path / "ran")

    def build():
        model = tiny_model()
        model.compile(optimizer="adam", loss=lambda y, p: open(path, "w").write("x"))  # noqa: SIM115
        return model

    with warnings.catch_warnings(), pytest.raises(wire.UnreadableModel, match="could not rebuild the model"):
        warnings.simplefilter("ignore")  # Keras warns, as it serializes the lambda in the student's kernel
        judge.RemoteFunction("build", judge.LocalConnection({"build": build}))()
    assert not (tmp_path / "ran").exists()


def test_a_false_claim_of_reused_layers_links_nothing():
    """Does a model whose layers only claim to be the argument's own keep its own layers?"""
    original = tiny_model()
    fresh = tiny_model()  # the same shapes, other weights
    encoder = wire.Encoder()
    node = encoder.encode(fresh)
    node["reused"] = [[0, 0, 0], [1, 0, 1]]  # the forged claim
    got = wire.Decoder(dict(encoder.blobs), [original]).decode(node)
    assert not any(mine is theirs for mine in got.layers for theirs in original.layers)


def test_a_true_reuse_comes_back_as_the_graders_own_layers():
    """Does a model built from the argument's layers come back built from the grader's own layer objects?"""
    original = tiny_model()
    namespace = {"convert": lambda m: keras.Model(m.inputs, m.layers[-1](m.layers[0](m.inputs[0])))}
    connection = judge.LocalConnection(namespace)
    got = judge.RemoteFunction("convert", connection)(original)
    assert [layer is theirs for layer, theirs in zip(got.layers[1:], original.layers, strict=False)] == [True, True]


def chain_with_a_nested_model():
    """A Functional chain whose middle layer is a small Sequential model."""
    inputs = keras.Input(shape=(3,), name="features")
    inner = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, activation="tanh")], name="inner")
    return keras.Model(inputs, layers.Dense(1)(inner(layers.Dense(4, activation="relu")(inputs))))


def test_a_sequential_of_the_arguments_layers_comes_back_built_from_the_graders_own_layers():
    """Does a keras.Sequential made of the argument's layer objects, a nested model among them, come back made of
    the grader's own layer objects, in order?"""
    original = chain_with_a_nested_model()
    convert = lambda m: keras.Sequential([keras.Input(shape=(3,))] + m.layers[1:])  # noqa: E731
    got = judge.RemoteFunction("convert", judge.LocalConnection({"convert": convert}))(original)
    assert isinstance(got, keras.Sequential) and got.inputs[0].shape == (None, 3)
    assert len(got.layers) == 3 and all(mine is theirs for mine, theirs in zip(got.layers, original.layers[1:], strict=False))


def test_a_sequential_of_look_alike_layers_keeps_its_own_layers():
    """Does a Sequential whose layers only look like the argument's (same shapes, other weights) keep its own?"""
    original = chain_with_a_nested_model()
    fresh = keras.models.clone_model(original)
    encoder = wire.Encoder()
    node = encoder.encode(keras.Sequential([keras.Input(shape=(3,))] + fresh.layers[1:]))
    node["reused"] = [[0, 0, 1], [1, 0, 2], [2, 0, 3]]  # the forged claim
    got = wire.Decoder(dict(encoder.blobs), [original]).decode(node)
    assert not any(mine is theirs for mine in got.layers for theirs in original.layers)


def test_a_model_argument_comes_back_trained():
    """Does a function that trains the model it is given leave the grader's copy trained too?"""
    model = tiny_model()
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    namespace = {"train": lambda m, x, y: m.fit(x, y, epochs=2, verbose=0)}
    history = judge.RemoteFunction("train", judge.LocalConnection(namespace))(model, np.ones((8, 3)), np.ones(8))
    assert isinstance(history, keras.callbacks.History) and len(history.history["loss"]) == 2
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=False))


def two_outputs():
    features = keras.Input(shape=(3,), name="features")
    hidden = layers.Dense(4, activation="relu")(features)
    return keras.Model(features, [layers.Dense(1, activation="sigmoid", name="passed")(hidden),
                                  layers.Dense(1, name="grade")(hidden)])


@pytest.mark.parametrize("settings", [
    {"loss": {"passed": "bce", "grade": "mse"}, "loss_weights": {"passed": 1.0, "grade": 0.5}},
    {"loss": [keras.losses.BinaryCrossentropy(), "mean_squared_error"], "loss_weights": [1.0, 0.5]},
], ids=["dicts", "lists-and-objects"])
def test_per_output_losses_and_loss_weights_come_back_with_a_compiled_argument(settings):
    """Does a function that compiles the model it is given, with a loss and a weight per output, leave the grader's
    copy compiled with the same losses and weights, so that its total loss is the weighted sum?"""
    from autograder.model.introspection import describe

    model = two_outputs()
    namespace = {"compile_two": lambda m: m.compile(optimizer="adam", **settings) or m}
    got = judge.RemoteFunction("compile_two", judge.LocalConnection(namespace))(model)
    assert got is model
    info = describe(got).compile
    assert dict(info.loss_by_output) == {"passed": "binary_crossentropy", "grade": "mean_squared_error"}
    assert dict(info.loss_weights_by_output) == {"passed": 1.0, "grade": 0.5}
    x, y = np.ones((4, 3), dtype="float32"), {"passed": np.ones((4, 1)), "grade": np.full((4, 1), 3.0)}
    scores = got.evaluate(x, y, verbose=0, return_dict=True)
    assert scores["loss"] == pytest.approx(scores["passed_loss"] + 0.5 * scores["grade_loss"], rel=1e-4)


def test_errors_come_back_as_safe_exceptions():
    """Does a student's ValueError come back as ValueError, an unknown error as RuntimeError, a missing name as NameError?"""
    class Odd(Exception):
        pass

    def raise_value(task):
        raise ValueError(f"unknown task: {task!r}")

    def raise_odd():
        raise Odd("strange")

    connection = judge.LocalConnection({"raise_value": raise_value, "raise_odd": raise_odd})
    with pytest.raises(ValueError, match="unknown task: 'ranking'"):
        judge.RemoteFunction("raise_value", connection)("ranking")
    with pytest.raises(RuntimeError, match="Odd: strange"):
        judge.RemoteFunction("raise_odd", connection)()
    with pytest.raises(NameError, match="count_dense_params"):
        judge.RemoteFunction("count_dense_params", connection)(3, 4)


def test_a_value_error_of_the_students_own_comes_back_as_a_value_error_with_its_message():
    """Does an error class the student derived from ValueError come back as a ValueError, with its whole message?"""
    class NotAStack(ValueError):
        pass

    why = "this model has 2 inputs (profile, practice_scores); a Sequential model has exactly one. " * 5

    def refuse(model):
        raise NotAStack(why)

    with pytest.raises(ValueError) as caught:
        judge.RemoteFunction("refuse", judge.LocalConnection({"refuse": refuse}))(tiny_model())
    assert type(caught.value) is ValueError and str(caught.value) == why


def test_a_key_error_reads_as_it_did_in_the_kernel():
    """Does a KeyError come back as a KeyError named so, whose message is the one the kernel showed (its key quoted
    once), for a key of any type?"""
    def look_up(name):
        return {"first_look": 1}[name]

    for key in ("second_lok", 5):
        with pytest.raises(KeyError) as caught:
            judge.RemoteFunction("look_up", judge.LocalConnection({"look_up": look_up}))(key)
        with pytest.raises(KeyError) as shown:
            look_up(key)
        assert (type(caught.value).__name__, str(caught.value)) == ("KeyError", str(shown.value))


def test_a_forged_list_of_kinds_cannot_turn_an_error_into_an_unsafe_class():
    """Do only built-in error classes come back, whatever names the kernel's reply lists?"""
    assert judge.safe_error("Odd", ["Odd", "ValueError", "Exception"]) is ValueError
    assert judge.safe_error("Odd", ["SystemExit", "os.system", 3]) is None
    assert judge.safe_error("Odd", "ValueError") is None


def test_a_bad_request_is_answered_not_obeyed():
    """Does the kernel's side refuse a request that is not a call, without running anything?"""
    ran = []
    reply, _ = handle({"f": lambda: ran.append(1)}, {"op": "exec", "name": "f"}, {})
    assert reply["status"] == "bad_request" and ran == []


PLAN = judge.JudgePlan(
    notebook="lesson.ipynb",
    setup=("import numpy as np",),
    tests=(
        judge.JudgedTest("count_small", "assert count(3, 4) == 16, f'count(3, 4) returned {count(3, 4)}'", 2.0),
        judge.JudgedTest("count_large", "assert count(784, 128) == 100480", 1.0),
    ),
    names=("count",),
)


def _serve_in_thread(tmp_path, namespace):
    path = tmp_path / "answers.sock"
    thread = threading.Thread(target=serve, args=(str(path),), kwargs={"namespace": namespace, "wait_seconds": 10})
    thread.start()
    return path, thread


def test_the_judge_fails_a_forged_answer_over_a_real_socket(tmp_path):
    """Over a real socket, does the judge fail a function that returns a value equal to everything?"""
    path, thread = _serve_in_thread(tmp_path, {"count": lambda n_inputs, n_units: Anything(0)})
    checker = judge.Judge(PLAN, path, timeout=30)
    checker.start()
    checker.join(30)
    thread.join(10)
    assert not thread.is_alive() and not checker.error and not checker.own_error
    assert [r.passed for r in checker.results.values()] == [False, False]
    assert checker.results["count_small"].message == "count(3, 4) returned 0"


def test_the_judge_passes_a_right_answer_over_a_real_socket(tmp_path):
    """Over a real socket, does the judge pass a right function, with its points?"""
    path, thread = _serve_in_thread(tmp_path, {"count": lambda n_inputs, n_units: (n_inputs + 1) * n_units})
    checker = judge.Judge(PLAN, path, timeout=30)
    checker.start()
    checker.join(30)
    thread.join(10)
    assert {g: (r.passed, r.points) for g, r in checker.results.items()} == {"count_small": (True, 2.0),
                                                                            "count_large": (True, 1.0)}


def test_a_kernel_that_never_serves_fails_the_tests_without_a_hang(tmp_path):
    """When the notebook ends before its last cell serves, does the judge stop and say why?"""
    checker = judge.Judge(PLAN, tmp_path / "never.sock", timeout=30)
    checker.start()
    checker.finished.set()
    checker.join(10)
    assert not checker.is_alive() and "ended before its last cell" in checker.error and checker.results == {}


def _rude_server(path):
    """A kernel that accepts the judge, then dies (closes the connection) before answering."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    threading.Thread(target=lambda: server.accept()[0].close(), daemon=True).start()
    return server


def test_a_kernel_that_dies_for_good_fails_the_remaining_tests(tmp_path):
    """When the kernel dies mid-way and none comes back before the notebook ends, do the remaining tests fail with
    the reason, the first one naming the crash?"""
    path = tmp_path / "rude.sock"
    server = _rude_server(path)
    checker = judge.Judge(PLAN, path, timeout=10)
    checker.start()
    time.sleep(0.5)
    checker.finished.set()  # nbgrader ended: no new kernel will serve
    checker.join(20)
    server.close()
    first, second = checker.results.values()
    assert not checker.is_alive() and not first.passed and not second.passed
    assert first.message == f"{judge.KERNEL_DIED} while this test ran, in a call of your count."
    assert second.message.startswith(judge.UNAVAILABLE)


def test_after_a_crash_the_judge_goes_on_with_the_kernel_started_in_its_place(tmp_path):
    """When the kernel dies in one test and the grader starts another that serves at the same place, does the judge
    fail that test only, and judge the next ones with the new kernel?"""
    path = tmp_path / "answers.sock"
    rude = _rude_server(path)
    checker = judge.Judge(PLAN, path, timeout=10)
    checker.start()
    time.sleep(0.5)
    rude.close()
    again, thread = _serve_in_thread(tmp_path, {"count": lambda n_inputs, n_units: (n_inputs + 1) * n_units})
    checker.join(20)
    thread.join(10)
    assert again == path and not checker.is_alive()
    assert [(r.passed, r.message.startswith(judge.KERNEL_DIED)) for r in checker.results.values()] == [
        (False, True), (True, False)]


def test_a_test_shows_what_it_and_the_students_function_printed_and_its_error(tmp_path):
    """Does each test keep, as its outputs, what the student's function printed in the kernel, what the test
    printed, and the error that failed it as IPython shows it, ending with the test's line, not the checker's?"""
    plan = judge.JudgePlan("lesson.ipynb", ("from autograder import checks",), (
        judge.JudgedTest("talks", "print('before')\ncount(3, 4)\nprint('after')", 1.0),
        judge.JudgedTest("fails", "checks.assert_param_count(count(3, 4), 16)", 1.0),
    ), ("count",))

    def count(n_inputs, n_units):
        print(f"counting {n_inputs} x {n_units}")
        return keras.Sequential([keras.Input(shape=(n_inputs,)), layers.Dense(n_units, use_bias=False)])

    connection = judge.LocalConnection({"count": count})
    found = judge.run_tests(plan, judge.prepare(plan, connection), connection)
    assert found["talks"].passed and found["talks"].outputs == (
        {"output_type": "stream", "name": "stdout", "text": "before\ncounting 3 x 4\nafter\n"},)
    stream, error = found["fails"].outputs
    assert stream["text"] == "counting 3 x 4\n" and not found["fails"].passed
    assert error["ename"] == "AssertionError" and error["evalue"] == found["fails"].message
    assert "<test fails>" in error["traceback"][-2] and "assert_param_count" in error["traceback"][-2]
    assert not any("checks/params.py" in line for line in error["traceback"])


def test_what_the_students_function_writes_to_stderr_fails_the_test_as_in_nbgrader():
    """Does a student's function that writes to stderr (not TensorFlow's chatter) fail the test that called it?"""
    connection = judge.LocalConnection({"count": lambda n_inputs, n_units: sys.stderr.write("oops\n") and 16})
    found = judge.run_tests(PLAN, judge.prepare(PLAN, connection), connection)
    assert "wrote to stderr" in found["count_small"].message and not found["count_small"].passed


def test_the_verdicts_reach_nbgrader_through_the_handoff_folder(tmp_path):
    """Does the judge leave every test's verdict, with its outputs, where nbgrader's Execute step reads it, and does a
    test the judge never reached fail there with the reason?"""
    handoff = tmp_path / "verdicts"
    handoff.mkdir()
    checker = judge.Judge(PLAN, tmp_path / "never.sock", timeout=5, handoff=handoff)
    checker.start()
    (handoff / "lesson.ipynb.ended").touch()  # what nbgrader writes when the notebook has served its last answer
    checker.join(10)
    found = verdicts.read(handoff / "lesson.ipynb.json")
    assert not checker.is_alive() and "ended before its last cell" in found.error
    assert {g: r.passed for g, r in found.tests.items()} == {"count_small": False, "count_large": False}
    assert found.tests["count_small"].outputs[0]["evalue"].startswith(judge.UNAVAILABLE)


def test_the_plan_holds_setup_tests_names_and_data():
    """Does a lesson's plan hold its set-up cells, every test with hidden tests, the student's names and its data?"""
    from autograder.notebook.course import SOURCE

    plan = judge.plan_for(SOURCE / "02_layers" / "02_layers.ipynb")
    assert plan.names == ("count_dense_params", "output_layer_for")
    assert [t.grade_id for t in plan.tests] == ["count_dense_params_small_layers", "count_dense_params_matches_keras",
                                                "output_layer_for_each_task", "output_layer_for_unknown_task"]
    assert all("BEGIN HIDDEN TESTS" in t.code for t in plan.tests) and list(plan.files) == ["students.csv"]


def test_the_added_cell_goes_in_and_comes_out_again(tmp_path):
    """Does the serving cell go at the end of the notebook, and leave the autograded notebook with what it showed?"""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    assert add_serve_cell(path, tmp_path / "answers.sock")
    added = nbformat.read(path, as_version=4)
    assert [is_serve_cell(cell) for cell in added.cells] == [False, True]
    added.cells[-1].outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="x", traceback=[])]
    nbformat.write(added, path)
    assert remove_serve_cell(path) == ["NameError: x"]
    assert [cell.source for cell in nbformat.read(path, as_version=4).cells] == ["x = 1"]


class KernelInFolder(judge.LocalConnection):
    """A namespace standing in for the kernel, whose calls run in a folder of their own, as a real kernel's do."""

    def __init__(self, namespace, folder):
        super().__init__(namespace)
        self.folder = folder

    def request(self, header, blobs):
        import os

        here = os.getcwd()
        os.chdir(self.folder)
        try:
            return super().request(header, blobs)
        finally:
            os.chdir(here)


def _write(path, text="from the kernel"):
    with open(path, "w") as handle:
        handle.write(text)
    return len(text)


def test_a_file_written_at_a_path_argument_comes_back_into_the_judges_folder(tmp_path):
    """Does a file the student's function writes at a relative path it was given exist at that path for the tests,
    in the judge's own folder, and not in the folder the judge was started from?"""
    import os

    kernel = tmp_path / "kernel"
    kernel.mkdir()
    plan = judge.JudgePlan("lesson.ipynb", (), (judge.JudgedTest("saves", (
        "import os\n"
        "assert write('saved.txt') == 15\n"
        "assert open('saved.txt').read() == 'from the kernel', os.listdir('.')\n"
        "assert open('data.csv').read() == 'a,b'\n"
        "assert os.getcwd() != START\n"), 1.0),), ("write",), {"data.csv": b"a,b"})
    namespace = {"START": os.getcwd()}
    results = judge.run_tests(plan, namespace, KernelInFolder({"write": _write}, kernel))
    assert results["saves"].passed, results["saves"].message
    assert (kernel / "saved.txt").read_text() == "from the kernel"
    assert os.getcwd() == namespace["START"] and not os.path.exists("saved.txt")


def test_a_kernel_sends_back_no_file_outside_its_folder_and_no_link(tmp_path):
    """Does the kernel's side bring back only plain files at safe relative paths: no absolute path, no '..', no link?"""
    import os

    kernel = tmp_path / "kernel"
    kernel.mkdir()
    (tmp_path / "outside.txt").write_text("secret")
    (kernel / "link.txt").symlink_to(tmp_path / "outside.txt")
    (kernel / "plain.txt").write_text("plain")
    here = os.getcwd()
    os.chdir(kernel)
    try:
        reply, blobs = handle({"f": lambda *paths: None}, {"op": "call", "name": "f", "args": [
            {"t": "py", "v": p} for p in ("plain.txt", "link.txt", "../outside.txt", str(tmp_path / "outside.txt"))]}, {})
    finally:
        os.chdir(here)
    assert list(reply["files"]) == ["plain.txt"] and blobs[reply["files"]["plain.txt"]] == b"plain"


def test_forged_files_are_written_only_where_the_call_asked_inside_the_judges_folder(tmp_path):
    """Does the judge refuse files at paths the call was not given, absolute or '..' paths, links out of its folder,
    and files above the size limit, writing nothing outside its folder?"""
    folder = tmp_path / "judge"
    folder.mkdir()
    (folder / "out").symlink_to(tmp_path)
    blobs = {"small": b"data", "large": b"x" * (wire.MAX_FILE + 1)}
    files = {"asked.txt": "small", "not_asked.txt": "small", "../escape.txt": "small", "/tmp/kmw-abs.txt": "small",
             "out/through_link.txt": "small", "sub/deeper.txt": "small", "large.txt": "large", "missing.txt": "nope"}
    asked = ["asked.txt", "../escape.txt", "/tmp/kmw-abs.txt", "out/through_link.txt", "sub/deeper.txt", "large.txt",
             "missing.txt"]
    written = wire.write_returned_files(folder, files, blobs, asked)
    assert sorted(written) == ["asked.txt", "sub/deeper.txt"]
    assert (folder / "asked.txt").read_bytes() == b"data" and (folder / "sub" / "deeper.txt").read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judge"]
    assert not (tmp_path.parent / "escape.txt").exists() and not __import__("os").path.exists("/tmp/kmw-abs.txt")
    assert wire.write_returned_files(None, files, blobs, asked) == []


def test_trainable_flags_survive_the_trip_both_ways():
    """Does a function that freezes layers of the model it was given leave the grader's model frozen the same way,
    the Sequential model's own flag included (which a .keras file does not keep)?"""
    def freeze(model):
        model.trainable = False
        model.layers[-1].trainable = True
        return model

    model = tiny_model()
    got = judge.RemoteFunction("freeze", judge.LocalConnection({"freeze": freeze}))(model)
    assert got is model and wire.trainable_flags(model) == [False, False, True] and model.trainable_weights == []
    model.trainable = True
    model.layers[0].trainable = False
    seen = judge.RemoteFunction("flags", judge.LocalConnection({"flags": wire.trainable_flags}))(model)
    assert seen == [True, False, True]


def test_forged_trainable_flags_of_the_wrong_shape_change_nothing():
    """Are flags that do not match the model layer for layer, or are not booleans, ignored?"""
    model = tiny_model()
    for forged in ([False], [0, 0, 0], "False", [False, False, False, False]):
        wire.apply_trainable_flags(model, forged)
    assert wire.trainable_flags(model) == [True, True, True]
