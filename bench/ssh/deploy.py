# The SSH benchmark's playbook (bench/ssh/playbook.yml) as a pyinfra deploy: the same 20
# operations in the same order, each host working in its own directory. The inventory that
# bench/engine-ssh.ts writes gives every host `out` (the work directory's parent) and `node_ip`.
from io import StringIO

from pyinfra import host, inventory
from pyinfra.operations import files, server

work = f"{host.data.out}/{host.name}"
first_ip = inventory.get_group("nodes")[0].data.node_ip

for i in range(5):
    # command: runs every time; Ansible's changed_when: false has no pyinfra equivalent.
    server.shell(name=f"command {i}", commands=[f"echo {i} {host.name}"])
    # file state=directory
    files.directory(name=f"directory {i}", path=work)
    # copy content=...
    files.put(name=f"copy {i}", src=StringIO(f"{host.data.node_ip} {i}\n"), dest=f"{work}/f{i}")
    # lineinfile line=... create=true: the whole line, anchored, appended when missing
    files.line(name=f"lineinfile {i}", path=f"{work}/conf", line=f"^k{i}={first_ip}$")
