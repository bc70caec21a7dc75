"""Ansible's own templating, as the reference our interpreter is compared with.

Reads a JSON list of cases on stdin, each {"id", "mode", "source", "vars"}; prints a JSON object
mapping id -> {"ok": <repr or text>} or {"error": <message>}. Modes:
  render  the string the template module writes (trim_blocks on, lstrip_blocks off)
  expr    Python repr() of the native value Ansible gives "{{ source }}"
  value   Python repr() of the native value a module argument string templates to
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template


def trust(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, list):
        return [trust(v) for v in value]
    if isinstance(value, dict):
        return {k: trust(v) for k, v in value.items()}
    return value


def plain(value):
    """Strips Ansible's lazy containers and tags so repr() prints what a user sees."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def run(case):
    loader = DataLoader()
    templar = Templar(loader=loader, variables=trust(case.get("vars") or {}))
    source = trust_as_template(case["source"])
    mode = case["mode"]
    if mode == "render":
        result = templar.template(
            source,
            escape_backslashes=False,
            overrides=dict(trim_blocks=True, lstrip_blocks=False, newline_sequence="\n"),
        )
        return "" if result is None else str(result)
    if mode == "expr":
        return repr(plain(templar.template(trust_as_template("{{ " + case["source"] + " }}"))))
    if mode == "value":
        return repr(plain(templar.template(source)))
    raise ValueError("unknown mode " + mode)


def main():
    cases = json.load(sys.stdin)
    out = {}
    for case in cases:
        try:
            out[case["id"]] = {"ok": run(case)}
        except Exception as e:  # the message is what we compare, whatever the class
            out[case["id"]] = {"error": type(e).__name__ + ": " + str(e).split("\n")[0]}
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
