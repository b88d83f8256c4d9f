"""Checks that teach: each raises AssertionError with a message written to the student, naming the fix.

Run them coarse to fine, as the lessons' test cells do: is it a model, which API, input shape, layers.
"""

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from ._model import assert_is_model
from .branches import assert_joined_by_concatenation, assert_own_branch
from .compile import assert_compiled
from .equivalence import assert_reuses_layers, assert_same_layers_in_order, assert_same_predictions
from .extraction import assert_extracts, assert_refuses_unknown_layer
from .freezing import assert_freezes_all_but_last, assert_training_moves_only_last
from .graph import assert_depends_on, assert_shared_layer
from .io_names import assert_input_names, assert_output_names
from .kind import assert_functional, assert_sequential
from .layers import assert_layers, effective_layers
from .loss_choice import assert_compiled_for_output
from .meaning import assert_output_meaning
from .output_losses import assert_loss_weights, assert_output_losses
from .outputs import assert_output_activation
from .params import assert_param_count
from .predictions import assert_predictions
from .refusals import Refusal, assert_refusals
from .saving import assert_saves_and_reloads
from .shapes import assert_input_shape, assert_input_shapes, assert_output_shape, assert_output_shapes
from .skips import assert_flat_layers, assert_skip_connection
from .summary import assert_hidden_activation, assert_summary
from .training import assert_beats_baseline, assert_history, exam_student
from .verdicts import Case, assert_verdicts

__all__ = [
    "assert_is_model",
    "assert_sequential",
    "assert_functional",
    "assert_input_shape",
    "assert_input_shapes",
    "assert_output_shape",
    "assert_output_shapes",
    "assert_input_names",
    "assert_output_names",
    "assert_output_activation",
    "assert_layers",
    "effective_layers",
    "assert_param_count",
    "assert_depends_on",
    "assert_shared_layer",
    "assert_compiled",
    "assert_predictions",
    "assert_reuses_layers",
    "assert_same_predictions",
    "assert_same_layers_in_order",
    "assert_skip_connection",
    "assert_flat_layers",
    "Case",
    "assert_verdicts",
    "Refusal",
    "assert_refusals",
    "assert_own_branch",
    "assert_joined_by_concatenation",
    "assert_output_losses",
    "assert_loss_weights",
    "assert_summary",
    "assert_hidden_activation",
    "assert_output_meaning",
    "assert_compiled_for_output",
    "exam_student",
    "assert_history",
    "assert_beats_baseline",
    "assert_extracts",
    "assert_refuses_unknown_layer",
    "assert_freezes_all_but_last",
    "assert_training_moves_only_last",
    "assert_saves_and_reloads",
]
