#!/usr/bin/env python3
"""What one node of the Ray cluster runs, as its processes see it, in one JSON object (read-only).

usage: node-report.py --user USER --bin DIR --env-file FILE [--service-ray NAME --service-vllm NAME]

- the raylet of USER: pid, the --node_ip_address and --gcs-address it was started with, and the
  cluster variables in its environment (/proc/PID/environ: what Ray's workers inherit, not what a
  login shell has). The environment is read as USER: root may not read another user's environ
  where it lacks CAP_SYS_PTRACE (containers);
- the variables cluster.env sets (as sh reads it), to compare with the raylet's;
- vllm serve, when it runs here: its pid, parallel sizes, model and environment;
- the environment's Python and Ray versions (importlib.metadata: no Ray import, fast);
- the GPUs (nvidia-smi -L) and the processes on them (--query-compute-apps);
- the interfaces with their IPv4 addresses (ip -j addr), for NCCL_SOCKET_IFNAME and GLOO_SOCKET_IFNAME;
- USER's ~/.config/vllm/ray_non_carry_over_env_vars.json;
- the systemd state of the Ray and vLLM units, where systemd runs.
"""
import argparse
import json
import os
import pwd
import shlex
import subprocess

CLUSTER_VARS = ('NCCL_SOCKET_IFNAME', 'GLOO_SOCKET_IFNAME', 'VLLM_HOST_IP', 'NCCL_IB_DISABLE', 'NCCL_IB_HCA', 'NCCL_DEBUG')


def run(argv, user=None):
    """stdout of a command (as USER when given), or None when it cannot run or fails. As USER means
    its uid and its group: the kernel lets a process read another's environ only when both match."""
    as_user = {}
    if user is not None:
        account = pwd.getpwnam(user)
        as_user = {'user': account.pw_uid, 'group': account.pw_gid, 'extra_groups': []}
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, **as_user)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def processes(owner_uid):
    """(pid, argv) of every process of this uid."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f'/proc/{entry}').st_uid != owner_uid:
                continue
            with open(f'/proc/{entry}/cmdline', 'rb') as f:
                argv = [a.decode(errors='replace') for a in f.read().split(b'\0') if a]
        except OSError:
            continue
        if argv:
            yield int(entry), argv


def read_environ(pid, user):
    """A process's initial environment, read as its owner (cat as USER)."""
    text = run(['cat', f'/proc/{pid}/environ'], user=user)
    if text is None:
        return None
    return dict(kv.split('=', 1) for kv in text.split('\0') if '=' in kv)


def flag(argv, name):
    """The value of --name=VALUE or --name VALUE (both spellings of vLLM's and Ray's flags)."""
    spellings = {name, name.replace('-', '_'), name.replace('_', '-')}
    for i, arg in enumerate(argv):
        key, eq, value = arg.partition('=')
        if key in spellings:
            if eq:
                return value
            return argv[i + 1] if i + 1 < len(argv) else ''
    return None


def env_file_vars(path):
    """KEY -> value of each assignment in an environment file, as `set -a; . FILE` gives them."""
    try:
        with open(path, encoding='utf-8') as f:
            keys = [line.split('=', 1)[0] for line in f if '=' in line and not line.lstrip().startswith('#')]
    except OSError:
        return None
    keys = [k.strip() for k in keys if k.strip().isidentifier()]
    if not keys:
        return {}
    script = f'set -a; . {shlex.quote(path)}; ' + '; '.join(f'printf "%s\\0" "${k}"' for k in keys)
    out = run(['env', '-i', '/bin/sh', '-c', script])
    if out is None:
        return None
    return dict(zip(keys, out.split('\0')))


def nccl_selects(value, names):
    """The interfaces NCCL_SOCKET_IFNAME selects among names, in NCCL's syntax: a comma separated
    list of prefixes; a leading ^ turns the whole list into exclusions, a leading = into exact
    names. Unset, NCCL takes any interface but lo and docker*."""
    value = (value or '').strip() or '^docker,lo'
    exclude = value.startswith('^')
    value = value.lstrip('^')
    exact = value.startswith('=')
    patterns = [p.strip() for p in value.lstrip('=').split(',') if p.strip()]

    def hit(name):
        return any(name == p if exact else name.startswith(p) for p in patterns)

    return [n for n in names if hit(n) != exclude]


def interfaces():
    out = run(['ip', '-j', '-4', 'addr'])
    try:
        return {i['ifname']: [a['local'] for a in i.get('addr_info', [])] for i in json.loads(out or '[]')}
    except (ValueError, KeyError, TypeError):
        return {}


def gpus():
    listing = run(['nvidia-smi', '-L'])
    apps = run(['nvidia-smi', '--query-compute-apps=gpu_uuid,pid,process_name', '--format=csv,noheader'])
    uuids = []
    for line in (listing or '').splitlines():
        if line.startswith('GPU ') and '(UUID: ' in line:
            uuids.append(line.split('(UUID: ', 1)[1].rstrip(')'))
    in_use = []
    for line in (apps or '').splitlines():
        parts = [p.strip() for p in line.split(',')]
        if len(parts) == 3 and parts[0] in uuids:
            in_use.append({'gpu': uuids.index(parts[0]), 'pid': int(parts[1]) if parts[1].isdigit() else parts[1], 'process': parts[2]})
    return {'count': len(uuids) if listing is not None else None, 'in_use': in_use}


def versions(bin_dir):
    code = "import importlib.metadata as m, json, platform\n" \
           "def v(n):\n    try:\n        return m.version(n)\n    except m.PackageNotFoundError:\n        return None\n" \
           "print(json.dumps({'python': platform.python_version(), 'ray': v('ray'), 'vllm': v('vllm')}))"
    out = run([os.path.join(bin_dir, 'python'), '-c', code])
    try:
        return json.loads(out) if out else {'python': None, 'ray': None, 'vllm': None}
    except ValueError:
        return {'python': None, 'ray': None, 'vllm': None}


def unit_state(name):
    if not name or not os.path.isdir('/run/systemd/system'):
        return None
    out = subprocess.run(['systemctl', 'is-active', name], capture_output=True, text=True, check=False)
    return out.stdout.strip() or None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--user', required=True)
    parser.add_argument('--bin', required=True)
    parser.add_argument('--env-file', required=True)
    parser.add_argument('--service-ray', default='')
    parser.add_argument('--service-vllm', default='')
    args = parser.parse_args()
    try:
        account = pwd.getpwnam(args.user)
    except KeyError:
        account = None

    nics = interfaces()
    with_address = [name for name, addresses in nics.items() if addresses]
    file_vars = env_file_vars(args.env_file)
    # Every key is always there (None when unknown): the checks read them without guards.
    raylet = {'pid': None, 'node_ip': None, 'gcs_address': None, 'env': None, 'nccl_selects': None, 'env_differs': None}
    vllm = {'pid': None, 'model': None, 'tensor_parallel_size': None, 'pipeline_parallel_size': None, 'env': None}
    for pid, argv in processes(account.pw_uid) if account else ():
        name = os.path.basename(argv[0])
        if name == 'raylet' and raylet['pid'] is None:
            environ = read_environ(pid, args.user)
            raylet = {
                'pid': pid,
                'node_ip': flag(argv, '--node_ip_address'),
                'gcs_address': flag(argv, '--gcs-address'),
                'env': None if environ is None else {k: environ.get(k) for k in CLUSTER_VARS},
                # NCCL's choice among this node's interfaces, and what the environment file sets
                # that the raylet does not have (the file changed after Ray started).
                'nccl_selects': None if environ is None else nccl_selects(environ.get('NCCL_SOCKET_IFNAME'), with_address),
                'env_differs': None if environ is None or file_vars is None else sorted(k for k, v in file_vars.items() if environ.get(k) != v),
            }
        elif vllm['pid'] is None and 'serve' in argv[1:3] and any(os.path.basename(a).startswith('vllm') for a in argv[:3]):
            environ = read_environ(pid, args.user) or {}
            vllm = {
                'pid': pid,
                'model': argv[argv.index('serve') + 1] if argv.index('serve') + 1 < len(argv) else None,
                'tensor_parallel_size': flag(argv, '--tensor-parallel-size'),
                'pipeline_parallel_size': flag(argv, '--pipeline-parallel-size'),
                'env': {k: environ.get(k) for k in CLUSTER_VARS},
            }

    non_carry_over = None
    if account:
        try:
            with open(os.path.join(account.pw_dir, '.config', 'vllm', 'ray_non_carry_over_env_vars.json'), encoding='utf-8') as f:
                non_carry_over = json.load(f)
        except (OSError, ValueError):
            pass

    print(json.dumps({
        **({} if account else {'error': f'there is no user {args.user} (cluster_user) on this node'}),
        'raylet': raylet,
        'env_file': file_vars,
        'vllm': vllm,
        'versions': versions(args.bin),
        'gpus': gpus(),
        'interfaces': nics,
        'non_carry_over': non_carry_over,
        'units': {'ray': unit_state(args.service_ray), 'vllm': unit_state(args.service_vllm)},
    }))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
