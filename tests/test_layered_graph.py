"""Tests of `layered_graph`: rows, lanes and routes of a plain directed graph, no Keras and no matplotlib."""

from __future__ import annotations

import pytest

from autograder.lesson.layered_graph import Spacing, depths, lay_out

SQUARE = (1.0, 0.5)


def boxes(*names: str) -> dict[str, tuple[float, float]]:
    return {name: SQUARE for name in names}


def test_each_node_sits_one_row_below_the_deepest_node_it_reads():
    """Is a node that reads a near and a far node placed below the far one?"""
    found, turned = depths(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    assert found == {"a": 0, "b": 1, "c": 2, "d": 3} and turned == set()


def test_an_edge_that_closes_a_cycle_is_turned_around():
    """Does an edge back to an earlier node (a shared layer called again) point up, leaving the rest in order?"""
    found, turned = depths(["x", "s", "m"], [("x", "s"), ("s", "m"), ("m", "s")])
    assert found == {"x": 0, "s": 1, "m": 2} and turned == {2}


def test_a_long_edge_goes_beside_the_boxes_it_skips():
    """Does the edge a -> d of a chain a, b, c, d run beside b and c, a gap away, from a's bottom to d's top?"""
    spacing = Spacing()
    placed = lay_out(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")], boxes(*"abcd"), spacing)
    route = placed.routes[3]
    (ax, ay), (dx, dy) = placed.centre["a"], placed.centre["d"]
    assert route[0][1] == pytest.approx(ay - SQUARE[1] / 2) and route[-1][1] == pytest.approx(dy + SQUARE[1] / 2)
    assert abs(route[0][0] - ax) < SQUARE[0] / 2 and abs(route[-1][0] - dx) < SQUARE[0] / 2
    for skipped in "bc":
        (x, y), (w, h) = placed.centre[skipped], placed.size[skipped]
        beside = [px for px, py in route if y - h / 2 <= py <= y + h / 2]
        assert beside and min(abs(px - x) for px in beside) >= w / 2 + spacing.lane_gap - 1e-9


def test_boxes_of_a_row_keep_their_gap_and_share_its_height():
    """Do three boxes fed by one node keep the box gap between them, all as tall as the row's tallest?"""
    sizes = {"top": SQUARE, "p": (1.2, 0.5), "q": (0.8, 0.9), "r": SQUARE}
    placed = lay_out(["top", "p", "q", "r"], [("top", "p"), ("top", "q"), ("top", "r")], sizes)
    row = sorted("pqr", key=lambda name: placed.centre[name][0])
    for left, right in zip(row, row[1:], strict=False):
        gap = placed.centre[right][0] - placed.size[right][0] / 2 - placed.centre[left][0] - placed.size[left][0] / 2
        assert gap >= Spacing().box_gap - 1e-9
    assert {placed.size[name][1] for name in "pqr"} == {0.9}


def test_a_self_edge_loops_out_of_the_right_side_and_an_unknown_node_gets_no_route():
    """Does an edge from a node to itself leave and re-enter the box's right side, and is an edge to a node the
    graph does not have left unrouted?"""
    placed = lay_out(["a"], [("a", "a"), ("a", "ghost")], boxes("a"))
    loop, missing = placed.routes
    right = placed.centre["a"][0] + SQUARE[0] / 2
    assert loop[0][0] == pytest.approx(right) and loop[-1][0] == pytest.approx(right)
    assert all(x >= right - 1e-9 for x, _ in loop)
    assert loop[0][1] > loop[-1][1]
    assert missing is None
