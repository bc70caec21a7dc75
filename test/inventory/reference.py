"""Resolves tables of host patterns with Ansible's own InventoryManager, in one process.

Reads a JSON list from stdin, each item {"sources": [...], "cases": [{"pattern": str, "limit":
str | null}]}, and prints a JSON list with, per item: {"patterns": [per case {"hosts": [...]} or
{"error": message}], "groups": the `groups` magic variable, "group_names": {host: its
`group_names`}}. The test checks a few rows against `ansible --list-hosts` too.
"""
import json
import sys

from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader


def resolve(request):
    inventory = InventoryManager(loader=DataLoader(), sources=request["sources"])
    results = []
    for case in request["cases"]:
        try:
            inventory.subset(case.get("limit"))
            hosts = inventory.list_hosts(case["pattern"])
            results.append({"hosts": [str(h) for h in hosts]})
        except AnsibleError as e:
            results.append({"error": str(e.message)})
        finally:
            inventory.subset(None)
            inventory.clear_pattern_cache()
    group_names = {
        name: host.get_magic_vars()["group_names"] for name, host in inventory.hosts.items()
    }
    return {"patterns": results, "groups": inventory.get_groups_dict(), "group_names": group_names}


json.dump([resolve(request) for request in json.load(sys.stdin)], sys.stdout)
