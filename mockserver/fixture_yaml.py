"""YAML fixtures read as plain data, within a budget.

PyYAML's safe loader expands nothing itself (an alias is the same object again), but everything
after it walks the data whole: a few hundred bytes of nested aliases (a "billion laughs") then
cost minutes and gigabytes. So the document is composed first, which is linear in its size, the
nodes its aliases would add are counted on the node graph, and a document whose aliases add
more than ALIAS_NODE_BUDGET is refused before anything is built. Scalars a fixture cannot hold (a
date that does not exist, `!!binary`, a tag of another language) are refused naming their line,
as a syntax error is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from mockserver.resources import YamlLoader

ALIAS_NODE_BUDGET = 10_000
"""How many nodes a document's aliases may add when expanded: far beyond what reusing a block of
defaults needs, and still quick to walk (a 272-byte alias bomb would add 10^9)."""

_PLAIN_SCALARS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
}
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class FixtureYamlError(yaml.MarkedYAMLError):
    """What cannot be read, with the mark (line, column) of the node it is about."""

    def __init__(self, node: yaml.Node, problem: str) -> None:
        super().__init__(problem=problem, problem_mark=node.start_mark)


def load_fixture_yaml(text: str | bytes) -> Any:
    """A YAML document as JSON-shaped data (dates as ISO 8601 strings); yaml.YAMLError if it is
    not YAML, holds what a fixture cannot, or its aliases would expand past the budget."""
    loader = YamlLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_expansion(root)
        return _Builder(loader).build(root)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    expanded = _expanded_size(root, sizes, set())
    added = expanded - len(sizes)  # len(sizes): the distinct nodes the document holds
    if added > ALIAS_NODE_BUDGET:
        raise FixtureYamlError(
            root,
            f"its aliases would add {added:,} nodes when expanded, past the {ALIAS_NODE_BUDGET:,} a "
            "fixture may add: write the repeated parts out, or use fewer nested aliases",
        )


def _expanded_size(node: yaml.Node, sizes: dict[int, int], active: set[int]) -> int:
    """The nodes `node` stands for once every alias is expanded; each distinct node is counted
    once (`sizes`), so this is linear in the document, whatever the aliases expand to."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if id(node) in active:
        raise FixtureYamlError(node, "an alias refers to the node it is inside of")
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    total = 1
    for child in children:
        total += _expanded_size(child, sizes, active)
        if total > ALIAS_NODE_BUDGET * 100:  # far past any budget: stop counting
            break
    active.discard(id(node))
    sizes[id(node)] = total
    return total


class _Builder:
    """Nodes to plain values: each distinct node built once, as the safe loader would build it."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.built: dict[int, Any] = {}

    def build(self, node: yaml.Node) -> Any:
        if id(node) in self.built:
            return self.built[id(node)]
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            self._plain_collection(node, _SEQ)
            value = [self.build(item) for item in node.value]
        else:
            self._plain_collection(node, _MAP)
            self.loader.flatten_mapping(node)  # `<<` merge keys, as the safe loader does
            value = {}
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if isinstance(key, list | dict):
                    raise FixtureYamlError(key_node, "a mapping key must be a plain value")
                value[key] = self.build(value_node)
        self.built[id(node)] = value
        return value

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _PLAIN_SCALARS:
            raise FixtureYamlError(node, f"{node.tag} is not plain data a fixture can hold")
        try:
            value = self.loader.construct_object(node)
        except (ValueError, TypeError, OverflowError) as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            raise FixtureYamlError(node, f"{node.value!r} is not a valid {kind}: {exc}") from None
        if isinstance(value, dt.datetime):
            return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    @staticmethod
    def _plain_collection(node: yaml.Node, tag: str) -> None:
        if node.tag != tag:
            raise FixtureYamlError(node, f"{node.tag} is not plain data a fixture can hold")
