"""Lay out a directed graph in rows for a drawing: rows, order within rows, box positions and edge routes.

This is the classic layered drawing (Sugiyama's). Each node sits one row below the deepest node it reads from. An
edge that spans several rows passes through a *lane* in each row in between: a point of no width, placed beside the
boxes of that row like a box of its own, so the edge goes around those boxes instead of through them. The order
within each row follows the mean position of each item's neighbours, to avoid crossings. Then the positions are
pulled towards the neighbours, keeping a gap between any two items of a row.

An edge is routed as a polyline: straight down through its lanes, and a smooth S-shaped bend in the empty gap
between two rows. Boxes only ever occupy their row's band and lanes keep a gap to them, so no edge crosses a box.
Sizes are plain numbers (inches, in `draw_graph`); nothing here knows Keras or matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Lane = tuple[int, int]
"""Where the edge with this index crosses this row: (edge index, row)."""
Item = str | Lane
"""One slot of a row: a node's name, or a lane."""
Point = tuple[float, float]


@dataclass(frozen=True)
class Spacing:
    """The distances the layout keeps, in the units of the box sizes."""

    box_gap: float = 0.3
    """Between two boxes of a row."""
    lane_gap: float = 0.18
    """Between a lane and its neighbour in a row."""
    row_gap: float = 0.42
    """Between two rows: the band where edges bend."""
    lead: float = 0.12
    """The straight part of an edge where it leaves or enters a box, so that its arrowhead points into the box."""
    loop: float = 0.25
    """How far an edge from a node to itself reaches out of the node's right side."""
    port_gap: float = 0.12
    """Between two edges that leave or enter the same side of a box."""
    bend_points: int = 12
    """Points sampled on each bend."""


@dataclass(frozen=True)
class Layout:
    """Where everything goes: y grows upwards, row 0's top is at y = 0, and rows go down."""

    depth: dict[str, int]
    """The row of each node."""
    column: dict[str, int]
    """The position of each node among the nodes of its row, from left to right."""
    centre: dict[str, Point]
    """The centre of each node's box."""
    size: dict[str, tuple[float, float]]
    """Each box's (width, height); every box of a row gets the row's height."""
    routes: tuple[tuple[Point, ...] | None, ...]
    """One polyline per edge, from the source box's border to the target box's border; None for an edge that names
    a node the graph does not have."""


def _known(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[int]:
    known = set(names)
    return [i for i, (s, t) in enumerate(edges) if s in known and t in known]


def _back_edges(names: Sequence[str], edges: Sequence[tuple[str, str]], indices: list[int]) -> set[int]:
    """The edges that close a cycle, found by a depth-first search from the nodes nothing feeds, in the given order.

    A layer called on its own output's descendant (a shared layer) closes a cycle in the layer graph. Turning these
    edges around leaves a graph without cycles, so every other edge can point down.
    """
    children: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
    fed = set()
    for i in indices:
        source, target = edges[i]
        if source != target:
            children[source].append((target, i))
            fed.add(target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    back: set[int] = set()
    for root in [n for n in names if n not in fed] + list(names):
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(children[root]))]
        while stack:
            node, todo = stack[-1]
            step = next(todo, None)
            if step is None:
                state[node] = 2
                stack.pop()
            elif state.get(step[0]) == 1:
                back.add(step[1])
            elif step[0] not in state:
                state[step[0]] = 1
                stack.append((step[0], iter(children[step[0]])))
    return back


def depths(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> tuple[dict[str, int], set[int]]:
    """Each node's row: one more than the deepest node it reads from, 0 for a node nothing feeds.

    Args:
        names: the nodes, in the order to prefer.
        edges: pairs (source, target); edges naming unknown nodes and edges from a node to itself are ignored.

    Returns:
        The row of each node, and the indices of the edges turned around to break cycles (they point up).
    """
    indices = _known(names, edges)
    back = _back_edges(names, edges, indices)
    parents: dict[str, list[str]] = {name: [] for name in names}
    for i in indices:
        source, target = edges[i]
        if source != target:
            upper, lower = (target, source) if i in back else (source, target)
            parents[lower].append(upper)
    depth: dict[str, int] = {}
    for name in names:  # iterative longest path: the graph has no cycles now
        stack = [name]
        while stack:
            node = stack[-1]
            if node in depth:
                stack.pop()
                continue
            missing = [p for p in parents[node] if p not in depth]
            if missing:
                stack.extend(missing)
            else:
                depth[node] = 1 + max((depth[p] for p in parents[node]), default=-1)
                stack.pop()
    return depth, back


def _chains(
    edges: Sequence[tuple[str, str]], indices: list[int], depth: dict[str, int], back: set[int]
) -> dict[int, list[Item]]:
    """For each edge between two rows, the items it passes from top to bottom: upper node, lanes, lower node."""
    chains = {}
    for i in indices:
        source, target = edges[i]
        if source == target:
            continue
        upper, lower = (target, source) if i in back else (source, target)
        chains[i] = [upper] + [(i, row) for row in range(depth[upper] + 1, depth[lower])] + [lower]
    return chains


def _neighbours(chains: dict[int, list[Item]]) -> tuple[list[tuple[Item, Item]], dict, dict]:
    """The links between items of adjacent rows (upper, lower), and each item's upper and lower neighbours."""
    links = [(a, b) for chain in chains.values() for a, b in zip(chain, chain[1:], strict=False)]
    up: dict[Item, list[Item]] = {}
    down: dict[Item, list[Item]] = {}
    for a, b in links:
        up.setdefault(b, []).append(a)
        down.setdefault(a, []).append(b)
    return links, up, down


def _crossings(rows: list[list[Item]], links: list[tuple[Item, Item]]) -> int:
    where = {item: (r, c) for r, row in enumerate(rows) for c, item in enumerate(row)}
    by_row: dict[int, list[tuple[int, int]]] = {}
    for upper, lower in links:
        by_row.setdefault(where[upper][0], []).append((where[upper][1], where[lower][1]))
    count = 0
    for pairs in by_row.values():
        count += sum(1 for a, b in pairs for c, d in pairs if a < c and b > d)
    return count


def _order(names: Sequence[str], depth: dict[str, int], chains: dict[int, list[Item]]) -> list[list[Item]]:
    """Rows of items, ordered to avoid crossings; the top row keeps the given order (a model's inputs)."""
    rows: list[list[Item]] = [[] for _ in range(1 + max(depth.values(), default=-1))]
    for name in names:
        rows[depth[name]].append(name)
    for chain in chains.values():
        for lane in chain[1:-1]:
            rows[lane[1]].append(lane)
    links, up, down = _neighbours(chains)

    def sort(row: list[Item], neighbours: dict, other: list[Item]) -> list[Item]:
        """By the mean place of each item's neighbours in the other row; an item without any keeps its place."""
        index = {item: c for c, item in enumerate(other)}

        def key(place_item: tuple[int, Item]) -> float:
            place, item = place_item
            near = [index[n] for n in neighbours.get(item, ())]
            return sum(near) / len(near) if near else place

        return [item for _, item in sorted(enumerate(row), key=key)]

    best, fewest = [list(row) for row in rows], _crossings(rows, links)
    for _ in range(4):
        for r in range(1, len(rows)):
            rows[r] = sort(rows[r], up, rows[r - 1])
        found = _crossings(rows, links)
        if found < fewest:
            best, fewest = [list(row) for row in rows], found
        for r in range(len(rows) - 2, 0, -1):
            rows[r] = sort(rows[r], down, rows[r + 1])
    return best


def _pool(desired: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Positions closest to `desired` (least weighted squares) that keep `gaps[i]` between items i and i + 1.

    Subtracting each item's least offset from the first turns the gaps into an order constraint, which the
    pool-adjacent-violators algorithm solves exactly.
    """
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [mean, weight, count]
    for d, w, o in zip(desired, weights, offsets, strict=False):
        blocks.append([d - o, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    flat = [mean for mean, _, count in blocks for _ in range(count)]
    return [y + o for y, o in zip(flat, offsets, strict=False)]


def _place(
    rows: list[list[Item]], chains: dict[int, list[Item]], extents: dict[Item, tuple[float, float]], spacing: Spacing
) -> dict[Item, float]:
    """x of each item: near its neighbours, boxes first (a lane yields to a box), with the gaps kept."""
    _, up, down = _neighbours(chains)

    def gaps(row: list[Item]) -> list[float]:
        found = []
        for a, b in zip(row, row[1:], strict=False):
            between = spacing.box_gap if isinstance(a, str) and isinstance(b, str) else spacing.lane_gap
            found.append(extents[a][1] + between + extents[b][0])
        return found

    x: dict[Item, float] = {}
    for row in rows:
        packed = _pool([0.0] * len(row), [1.0] * len(row), gaps(row))
        middle = (packed[0] + packed[-1]) / 2 if packed else 0.0
        x.update({item: p - middle for item, p in zip(row, packed, strict=False)})

    def settle(row: list[Item], neighbours: dict) -> None:
        desired, weights = [], []
        for item in row:
            near = neighbours.get(item, ())
            boxes = any(isinstance(n, str) for n in near)
            pull = [1.0 if isinstance(n, str) or not boxes else 0.0 for n in near]  # a box follows boxes
            if near:
                desired.append(sum(x[n] * p for n, p in zip(near, pull, strict=False)) / sum(pull))
                weights.append(sum(pull) if isinstance(item, str) else 0.001)
            else:
                desired.append(x[item])
                weights.append(0.001)
        x.update(zip(row, _pool(desired, weights, gaps(row)), strict=False))

    for _ in range(6):
        for r in range(1, len(rows)):
            settle(rows[r], up)
        for r in range(len(rows) - 2, -1, -1):
            settle(rows[r], down)
    for r in range(1, len(rows)):
        settle(rows[r], up)
    return x


def _ports(centre: float, width: float, wanted: list[float], spacing: Spacing) -> list[float]:
    """Where edges leave or enter one side of a box: near where each one goes, apart, and within the side."""
    if not wanted:
        return []
    margin = min(0.07, width / 4)
    low, high = centre - width / 2 + margin, centre + width / 2 - margin
    gap = spacing.port_gap if len(wanted) < 2 else min(spacing.port_gap, (high - low) / (len(wanted) - 1))
    order = sorted(range(len(wanted)), key=lambda k: wanted[k])
    placed = _pool([min(max(wanted[k], low), high) for k in order], [1.0] * len(order), [gap] * (len(order) - 1))
    shift = max(0.0, low - placed[0]) - max(0.0, placed[-1] - high)
    found = [0.0] * len(wanted)
    for k, p in zip(order, placed, strict=False):
        found[k] = p + shift
    return found


def _bend(start: Point, end: Point, spacing: Spacing) -> list[Point]:
    """From a row's bottom down to the next row's top: straight, an S-shaped cubic Bezier, straight again."""
    (xa, ya), (xb, yb) = start, end
    if abs(xa - xb) < spacing.lead / 2:  # a bend this small would look like a wobble
        return [start, end]
    p0, p3 = (xa, ya - spacing.lead), (xb, yb + spacing.lead)
    middle = (p0[1] + p3[1]) / 2
    points = [start]
    for k in range(spacing.bend_points + 1):
        t = k / spacing.bend_points
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
        points.append((a * p0[0] + b * xa + c * xb + d * p3[0], a * p0[1] + (b + c) * middle + d * p3[1]))
    return points + [end]


def _loop(centre: Point, size: tuple[float, float], spacing: Spacing) -> tuple[Point, ...]:
    """An edge from a box to itself: half an ellipse out of the right side and back in."""
    (x, y), (w, h) = centre, size
    n = spacing.bend_points * 2
    return tuple(
        (x + w / 2 + spacing.loop * math.sin(math.pi * k / n), y + h / 4 * math.cos(math.pi * k / n))
        for k in range(n + 1)
    )


def lay_out(
    names: Sequence[str],
    edges: Sequence[tuple[str, str]],
    sizes: Mapping[str, tuple[float, float]],
    spacing: Spacing = Spacing(),
) -> Layout:
    """Place the boxes of a directed graph in rows and route every edge around the boxes it passes.

    Args:
        names: the nodes; the top row keeps this order, the others start from it.
        edges: pairs (source, target), drawn with their arrowhead at the target.
        sizes: each node's least (width, height): what its label needs.
        spacing: the gaps to keep.

    Returns:
        The rows, box centres and sizes, and one route per edge.
    """
    indices = _known(names, edges)
    depth, back = depths(names, edges)
    chains = _chains(edges, indices, depth, back)
    rows = _order(names, depth, chains)
    loops = {edges[i][0] for i in indices if edges[i][0] == edges[i][1]}
    extents: dict[Item, tuple[float, float]] = {}
    for row in rows:
        for item in row:
            if isinstance(item, str):
                half = sizes[item][0] / 2
                extents[item] = (half, half + (spacing.loop if item in loops else 0.0))
            else:
                extents[item] = (0.0, 0.0)
    x = _place(rows, chains, extents, spacing)

    heights = [max((sizes[i][1] for i in row if isinstance(i, str)), default=0.0) for row in rows]
    tops, top = [], 0.0
    for height in heights:
        tops.append(top)
        top -= height + spacing.row_gap
    size = {name: (sizes[name][0], heights[depth[name]]) for name in names}
    centre = {name: (x[name], tops[depth[name]] - heights[depth[name]] / 2) for name in names}

    leaving: dict[str, list[int]] = {}
    entering: dict[str, list[int]] = {}
    for i, chain in chains.items():
        leaving.setdefault(chain[0], []).append(i)
        entering.setdefault(chain[-1], []).append(i)
    out_x: dict[int, float] = {}
    in_x: dict[int, float] = {}
    for name, found in leaving.items():
        out_x.update(zip(found, _ports(x[name], size[name][0], [x[chains[i][1]] for i in found], spacing), strict=False))
    for name, found in entering.items():
        came = [out_x[i] if len(chains[i]) == 2 else x[chains[i][-2]] for i in found]
        in_x.update(zip(found, _ports(x[name], size[name][0], came, spacing), strict=False))

    routes: list[tuple[Point, ...] | None] = [None] * len(edges)
    for i in indices:
        if i not in chains:
            routes[i] = _loop(centre[edges[i][0]], size[edges[i][0]], spacing)
            continue
        chain = chains[i]
        row = depth[chain[0]]
        points = [(out_x[i], tops[row] - heights[row])]
        for item in chain[1:]:
            row += 1
            xb = in_x[i] if item == chain[-1] else x[item]
            start = points.pop()
            points.extend(_bend(start, (xb, tops[row]), spacing))
            if item != chain[-1]:
                points.append((xb, tops[row] - heights[row]))
        routes[i] = tuple(reversed(points)) if i in back else tuple(points)

    column = {item: c for row in rows for c, item in enumerate(i for i in row if isinstance(i, str))}
    return Layout(depth=depth, column=column, centre=centre, size=size, routes=tuple(routes))
