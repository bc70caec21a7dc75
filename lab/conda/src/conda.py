"""conda stand-in for the playbook-engine lab (installed as PREFIX/bin/conda by the Miniforge stand-in).

Environments are Python venvs of the node's own python3: the lab's offline "channel" has exactly one
Python (the system's major.minor.patch), plus pip, setuptools and wheel. Everything else is reported
as conda reports a package it cannot find. Command lines, output and exit codes follow conda 25 as
far as the roles and an operator use them: create, remove, env list/remove, run, info, list, install,
activate/deactivate through etc/profile.d/conda.sh, shell.*, init, --version.
"""

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

CONDA_VERSION = "25.3.1"
CHANNEL_NAME = "conda-forge"
CHANNEL_URL = "https://conda.anaconda.org/conda-forge"
PLATFORM = "linux-64"
AVAILABLE = ("python", "pip", "setuptools", "wheel")

ROOT_PREFIX = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
if os.path.basename(os.path.dirname(os.path.realpath(__file__))) not in ("bin", "condabin"):
    ROOT_PREFIX = os.environ.get("CONDA_ROOT", ROOT_PREFIX)
ENVS_DIR = os.path.join(ROOT_PREFIX, "envs")
LAB_META = os.path.join(ROOT_PREFIX, "etc", "conda-lab.json")


class CondaError(Exception):
    """A conda error: printed as '\\nName: message\\n' on stderr, exit 1 (or JSON with --json)."""

    def __init__(self, name, message, code=1):
        super().__init__(message)
        self.name = name
        self.message = message
        self.code = code


# ---------------------------------------------------------------------------------------------
# facts about this installation
# ---------------------------------------------------------------------------------------------


def lab_meta():
    try:
        with open(LAB_META, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"python": sys._base_executable if hasattr(sys, "_base_executable") else sys.executable,
                "python_version": ".".join(map(str, sys.version_info[:3]))}


def system_python():
    meta = lab_meta()
    return meta["python"], meta["python_version"]


def is_environment(prefix):
    return os.path.isfile(os.path.join(prefix, "conda-meta", "history"))


def environments_txt():
    return os.path.join(os.path.expanduser("~"), ".conda", "environments.txt")


def known_prefixes():
    found = {ROOT_PREFIX}
    if os.path.isdir(ENVS_DIR):
        for n in os.listdir(ENVS_DIR):
            p = os.path.join(ENVS_DIR, n)
            if is_environment(p):
                found.add(p)
    try:
        with open(environments_txt(), encoding="utf-8") as f:
            for line in f:
                p = line.strip()
                if p and is_environment(p):
                    found.add(p)
    except OSError:
        pass
    others = sorted(p for p in found if p != ROOT_PREFIX)
    return [ROOT_PREFIX] + others


def register(prefix, add):
    path = environments_txt()
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError:
        lines = []
    lines = [line for line in lines if line != prefix]
    if add:
        lines.append(prefix)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    os.replace(tmp, path)


def env_name(prefix):
    if prefix == ROOT_PREFIX:
        return "base"
    if os.path.dirname(prefix) == ENVS_DIR:
        return os.path.basename(prefix)
    return ""


def target_prefix(args, must_exist):
    if getattr(args, "name", None) and getattr(args, "prefix", None):
        raise CondaError("ArgumentError", "argument -p/--prefix: not allowed with argument -n/--name")
    if getattr(args, "name", None):
        name = args.name
        if "/" in name or " " in name or ":" in name or "#" in name:
            raise CondaError("CondaValueError",
                             f"Invalid environment name: '{name}'\n  Characters not allowed: ('/', ' ', ':', '#')")
        prefix = ROOT_PREFIX if name in ("base", "root") else os.path.join(ENVS_DIR, name)
    elif getattr(args, "prefix", None):
        prefix = os.path.abspath(os.path.expanduser(args.prefix))
    elif must_exist:
        prefix = os.environ.get("CONDA_PREFIX") or ROOT_PREFIX
    else:
        raise CondaError("ArgumentError", "one of the arguments -n/--name -p/--prefix is required")
    if must_exist and not is_environment(prefix):
        raise CondaError("EnvironmentLocationNotFound", f"Not a conda environment: {prefix}")
    return prefix


# ---------------------------------------------------------------------------------------------
# package specs: only what the offline channel holds
# ---------------------------------------------------------------------------------------------

SPEC_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*((?:==|>=|<=|!=|=|<|>|~=)?)\s*([^\s]*)\s*$")


def version_tuple(v):
    parts = []
    for p in v.split("."):
        if p in ("*", ""):
            break
        m = re.match(r"\d+", p)
        parts.append(int(m.group(0)) if m else 0)
    return tuple(parts)


def spec_matches(op, wanted, have):
    if not wanted or wanted == "*":
        return True
    have_t = version_tuple(have)
    want_t = version_tuple(wanted)
    if op in ("", "=") or (op == "==" and wanted.endswith("*")):
        return have_t[:len(want_t)] == want_t
    if op == "==":
        n = max(len(want_t), len(have_t))
        return want_t + (0,) * (n - len(want_t)) == have_t + (0,) * (n - len(have_t))
    pad = max(len(want_t), len(have_t))
    a = have_t + (0,) * (pad - len(have_t))
    b = want_t + (0,) * (pad - len(want_t))
    return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b, "!=": a != b,
            "~=": a >= b and a[:len(want_t) - 1] == b[:len(want_t) - 1]}[op]


def package_versions():
    _py, pyver = system_python()
    return {"python": pyver, "pip": "23.0.1", "setuptools": "66.1.1", "wheel": "0.38.4"}


def resolve(specs):
    versions = package_versions()
    wanted, missing = {}, []
    for s in specs:
        m = SPEC_RE.match(s.split("::")[-1])
        if not m:
            raise CondaError("InvalidMatchSpec", f"Invalid spec '{s}': Invalid version '{s}': invalid character(s)")
        name, op, ver = m.group(1).lower(), m.group(2), m.group(3)
        if name not in versions or not spec_matches(op, ver, versions[name]):
            missing.append(s)
        else:
            wanted[name] = s
    return wanted, missing, versions


def channel_header(out):
    out.write(f"Channels:\n - {CHANNEL_NAME}\nPlatform: {PLATFORM}\n"
              "Collecting package metadata (repodata.json): done\n")


def not_found(missing):
    listing = "".join(f"  - {m}\n" for m in missing)
    return CondaError("PackagesNotFoundError",
                      "The following packages are not available from current channels:\n\n"
                      f"{listing}\nCurrent channels:\n\n  - {CHANNEL_URL}\n\n"
                      "To search for alternate channels that may provide the conda package you're\n"
                      "looking for, navigate to\n\n    https://anaconda.org\n\n"
                      "and use the search bar at the top of the page.\n")


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------


def confirm(message, args):
    """conda's (y/[n])? prompt: -y answers yes; otherwise stdin decides (EOF means no)."""
    if getattr(args, "yes", False):
        return
    sys.stdout.write(f"{message} (y/[n])? ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    sys.stdout.write("\n")
    if answer not in ("y", "yes"):
        raise CondaError("CondaSystemExit", "Exiting.")


def write_history(prefix, argv, added):
    meta = os.path.join(prefix, "conda-meta")
    os.makedirs(meta, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    lines = [f"==> {stamp} <==", "# cmd: " + " ".join(["conda"] + argv), f"# conda version: {CONDA_VERSION}"]
    lines += [f"+{CHANNEL_NAME}/{PLATFORM}::{n}-{v}" for n, v in added]
    with open(os.path.join(meta, "history"), "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def make_env(prefix, with_python):
    py, _ver = system_python()
    if with_python:
        subprocess.run([py, "-m", "venv", prefix], check=True)
    else:
        os.makedirs(prefix, exist_ok=True)


def cmd_create(args, argv):
    prefix = target_prefix(args, must_exist=False)
    if prefix == ROOT_PREFIX:
        raise CondaError("CondaValueError", "The target prefix is the base prefix. Aborting.")
    out = sys.stdout if not args.json else open(os.devnull, "w")
    if args.dry_run and is_environment(prefix):
        raise CondaError("CondaValueError", "Cannot `create --dry-run` with an existing conda environment")
    specs = list(args.packages)
    if is_environment(prefix):
        confirm(f"WARNING: A conda environment already exists at '{prefix}'\n\n"
                "Remove existing environment?\nThis will remove ALL directories contained within this specified "
                "prefix directory, including any other conda environments.\n\n", args)
        shutil.rmtree(prefix)
    elif os.path.exists(prefix) and os.listdir(prefix):
        confirm(f"WARNING: A directory already exists at the target location '{prefix}'\n"
                "but it is not a conda environment.\nContinue creating environment", args)
    channel_header(out)
    wanted, missing, versions = resolve(specs)
    if missing:
        out.write("Solving environment: failed\n")
        raise not_found(missing)
    out.write("Solving environment: done\n")
    with_python = "python" in wanted
    installed = []
    if with_python:
        installed = [("pip", versions["pip"]), ("python", versions["python"]),
                     ("setuptools", versions["setuptools"]), ("wheel", versions["wheel"])]
    if not args.json:
        out.write(f"\n## Package Plan ##\n\n  environment location: {prefix}\n\n")
        if specs:
            out.write("  added / updated specs:\n" + "".join(f"    - {s}\n" for s in specs) + "\n\n")
        if installed:
            out.write("The following NEW packages will be INSTALLED:\n\n")
            for n, v in installed:
                sub = "linux-64" if n == "python" else "noarch"
                out.write(f"  {n:<19}{CHANNEL_NAME}/{sub}::{n}-{v}\n")
            out.write("\n\n")
    if args.dry_run:
        raise CondaError("DryRunExit", "Dry run. Exiting.", code=0)
    if not args.yes and not args.json:
        confirm("\nProceed", args)
    if not args.json:
        out.write("\nDownloading and Extracting Packages:\n\nPreparing transaction: done\n"
                  "Verifying transaction: done\nExecuting transaction: done\n")
    out.flush()
    make_env(prefix, with_python)
    write_history(prefix, argv, installed)
    register(prefix, True)
    if args.json:
        print(json.dumps({"actions": {"LINK": [{"name": n, "version": v, "channel": CHANNEL_NAME}
                                               for n, v in installed], "PREFIX": prefix},
                          "prefix": prefix, "success": True}, indent=2, sort_keys=True))
    else:
        shown = args.name or prefix
        out.write("#\n# To activate this environment, use\n#\n"
                  f"#     $ conda activate {shown}\n#\n"
                  "# To deactivate an active environment, use\n#\n#     $ conda deactivate\n\n")
    return 0


def cmd_remove(args, argv):
    prefix = target_prefix(args, must_exist=False)
    if not args.all and not args.packages:
        raise CondaError("CondaValueError", "no package names supplied,\n       try \"conda remove -h\" for more details")
    if not is_environment(prefix):
        raise CondaError("EnvironmentLocationNotFound", f"Not a conda environment: {prefix}")
    if not args.all:
        raise CondaError("PackagesNotFoundError",
                         "The following packages are missing from the target environment:\n"
                         + "".join(f"  - {p}\n" for p in args.packages))
    if prefix == ROOT_PREFIX:
        raise CondaError("CondaEnvironmentError", "cannot remove root environment, add -n NAME or -p PREFIX option")
    if os.environ.get("CONDA_PREFIX") == prefix:
        raise CondaError("CondaEnvironmentError", "Cannot remove current environment. Deactivate and run conda remove "
                         "again")
    if not args.json:
        print(f"\nRemove all packages in environment {prefix}:\n")
        names = ["pip", "python", "setuptools", "wheel"] if os.path.exists(os.path.join(prefix, "bin", "python")) else []
        print(f"\n## Package Plan ##\n\n  environment location: {prefix}\n\n")
        if names:
            versions = package_versions()
            print("The following packages will be REMOVED:\n")
            for n in names:
                print(f"  {n}-{versions[n]}")
            print("\n")
    if args.dry_run:
        raise CondaError("DryRunExit", "Dry run. Exiting.", code=0)
    if not args.json:
        confirm("Proceed", args)
        print("Preparing transaction: done\nVerifying transaction: done\nExecuting transaction: done")
        confirm(f"\nEverything found within the environment ({prefix}), including any conda environment "
                "configurations and any non-conda files, will be deleted. Do you wish to continue?\n", args)
    shutil.rmtree(prefix, ignore_errors=True)
    register(prefix, False)
    if args.json:
        print(json.dumps({"success": True, "actions": {"PREFIX": prefix}}, indent=2, sort_keys=True))
    return 0


def cmd_env_list(args, _argv):
    prefixes = known_prefixes()
    if args.json:
        print(json.dumps({"envs": prefixes}, indent=2, sort_keys=True))
        return 0
    active = os.environ.get("CONDA_PREFIX")
    lines = ["# conda environments:", "#"]
    for p in prefixes:
        lines.append(f"{env_name(p):<20}  {'*' if p == active else ' '}  {p}")
    print("\n".join(lines) + "\n")
    return 0


def info_dict():
    py, ver = system_python()
    active = os.environ.get("CONDA_PREFIX")
    return {
        "GID": os.getgid(),
        "UID": os.getuid(),
        "active_prefix": active,
        "active_prefix_name": env_name(active) if active else None,
        "av_data_dir": os.path.join(ROOT_PREFIX, "etc", "conda"),
        "av_metadata_url_base": None,
        "channels": [f"{CHANNEL_URL}/{PLATFORM}", f"{CHANNEL_URL}/noarch"],
        "conda_build_version": "not installed",
        "conda_env_version": CONDA_VERSION,
        "conda_location": os.path.join(ROOT_PREFIX, "lib", "conda-lab"),
        "conda_prefix": ROOT_PREFIX,
        "conda_shlvl": int(os.environ.get("CONDA_SHLVL", "0") or 0),
        "conda_version": CONDA_VERSION,
        "config_files": [os.path.join(ROOT_PREFIX, ".condarc")],
        "default_prefix": active or ROOT_PREFIX,
        "env_vars": {k: v for k, v in os.environ.items() if k.startswith("CONDA_")},
        "envs": known_prefixes(),
        "envs_dirs": [ENVS_DIR, os.path.join(os.path.expanduser("~"), ".conda", "envs")],
        "netrc_file": None,
        "offline": False,
        "pkgs_dirs": [os.path.join(ROOT_PREFIX, "pkgs"), os.path.join(os.path.expanduser("~"), ".conda", "pkgs")],
        "platform": PLATFORM,
        "python_version": ver + ".final.0",
        "rc_path": os.path.join(os.path.expanduser("~"), ".condarc"),
        "requests_version": "2.32.3",
        "root_prefix": ROOT_PREFIX,
        "root_writable": os.access(ROOT_PREFIX, os.W_OK),
        "site_dirs": [],
        "solver": {"default": True, "name": "libmamba", "user_agent": "solver/libmamba conda-libmamba-solver/25.3.0"},
        "sys.executable": os.path.join(ROOT_PREFIX, "bin", "python"),
        "sys.prefix": ROOT_PREFIX,
        "sys.version": sys.version,
        "sys_rc_path": os.path.join(ROOT_PREFIX, ".condarc"),
        "user_agent": f"conda/{CONDA_VERSION} requests/2.32.3 CPython/{ver} Linux/{os.uname().release} "
                      f"debian/12 glibc/2.36 solver/libmamba conda-libmamba-solver/25.3.0 libmambapy/2.1.0",
        "user_rc_path": os.path.join(os.path.expanduser("~"), ".condarc"),
        "virtual_pkgs": [["__archspec", "1", "x86_64"], ["__conda", CONDA_VERSION, "0"],
                         ["__glibc", "2.36", "0"], ["__linux", os.uname().release.split("-")[0], "0"],
                         ["__unix", "0", "0"]],
        "_python": py,
    }


def cmd_info(args, argv):
    if args.base:
        if args.json:
            print(json.dumps({"root_prefix": ROOT_PREFIX}, indent=2, sort_keys=True))
        else:
            print(ROOT_PREFIX)
        return 0
    if args.envs:
        return cmd_env_list(args, argv)
    d = info_dict()
    d.pop("_python")
    if args.json:
        print(json.dumps(d, indent=2, sort_keys=True))
        return 0
    rows = [
        ("active environment", d["active_prefix_name"] or "None"),
        ("active env location", d["active_prefix"] or "") if d["active_prefix"] else None,
        ("shell level", d["conda_shlvl"]),
        ("user config file", d["user_rc_path"]),
        ("populated config files", ""),
        ("conda version", CONDA_VERSION),
        ("conda-build version", "not installed"),
        ("python version", d["python_version"]),
        ("solver", "libmamba (default)"),
        ("virtual packages", "\n".join(("" if i == 0 else " " * 28) + "=".join(v) for i, v in
                                       enumerate(d["virtual_pkgs"]))),
        ("base environment", f"{ROOT_PREFIX}  ({'writable' if d['root_writable'] else 'read only'})"),
        ("conda av data dir", d["av_data_dir"]),
        ("conda av metadata url", "None"),
        ("channel URLs", ("\n" + " " * 28).join(d["channels"])),
        ("package cache", ("\n" + " " * 28).join(d["pkgs_dirs"])),
        ("envs directories", ("\n" + " " * 28).join(d["envs_dirs"])),
        ("platform", PLATFORM),
        ("user-agent", d["user_agent"]),
        ("UID:GID", f"{d['UID']}:{d['GID']}"),
        ("netrc file", "None"),
        ("offline mode", "False"),
    ]
    print()
    for r in rows:
        if r:
            print(f"{r[0]:>26} : {r[1]}")
    print()
    return 0


def env_for(prefix):
    env = dict(os.environ)
    bindir = os.path.join(prefix, "bin")
    path = env.get("PATH", "")
    old = env.get("CONDA_PREFIX")
    if old:
        path = os.pathsep.join(p for p in path.split(os.pathsep) if p != os.path.join(old, "bin"))
    env["PATH"] = bindir + os.pathsep + path if path else bindir
    env["CONDA_PREFIX"] = prefix
    env["CONDA_DEFAULT_ENV"] = env_name(prefix) or prefix
    env["CONDA_SHLVL"] = "1"
    env["CONDA_PROMPT_MODIFIER"] = f"({env_name(prefix) or prefix}) "
    env["CONDA_EXE"] = os.path.join(ROOT_PREFIX, "bin", "conda")
    env["CONDA_PYTHON_EXE"] = os.path.join(ROOT_PREFIX, "bin", "python")
    env.pop("PYTHONHOME", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def cmd_run(args, argv):
    prefix = target_prefix(args, must_exist=True)
    command = list(args.executable_call)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise CondaError("ArgumentError", "No command specified")
    env = env_for(prefix)
    cwd = args.cwd or None
    live = args.no_capture_output or args.live_stream
    try:
        if live:
            proc = subprocess.run(command, env=env, cwd=cwd)
        else:
            proc = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            sys.stdout.buffer.write(proc.stdout)
            sys.stdout.flush()
            sys.stderr.buffer.write(proc.stderr)
            sys.stderr.flush()
        code = proc.returncode
    except FileNotFoundError:
        sys.stderr.write(f"/usr/bin/bash: line 2: {command[0]}: command not found\n")
        code = 127
    if code < 0:
        code = 128 - code
    if code != 0:
        sys.stderr.write(f"ERROR conda.cli.main_run:execute(127): `conda run {shlex.join(command)}` failed. "
                         "(See above for error)\n".replace("(127)", f"({code})"))
    return code


def cmd_install(args, argv):
    prefix = target_prefix(args, must_exist=True)
    channel_header(sys.stdout)
    wanted, missing, versions = resolve(args.packages)
    if missing:
        sys.stdout.write("Solving environment: failed\n")
        raise not_found(missing)
    sys.stdout.write("Solving environment: done\n")
    have_python = os.path.exists(os.path.join(prefix, "bin", "python"))
    if wanted and not have_python and prefix != ROOT_PREFIX:
        make_env(prefix, True)
        write_history(prefix, argv, [(n, versions[n]) for n in ("pip", "python", "setuptools", "wheel")])
        sys.stdout.write("Preparing transaction: done\nVerifying transaction: done\nExecuting transaction: done\n")
        return 0
    sys.stdout.write("\n# All requested packages already installed.\n\n")
    return 0


def cmd_list(args, argv):
    prefix = target_prefix(args, must_exist=True)
    rows = []
    py = os.path.join(prefix, "bin", "python")
    if os.path.exists(py):
        res = subprocess.run([py, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            for p in json.loads(res.stdout or "[]"):
                name = p["name"].lower()
                conda_pkg = name in AVAILABLE
                rows.append((name, p["version"], "pyhd8ed1ab_0" if conda_pkg else "pypi_0",
                             "conda-forge" if conda_pkg else "pypi"))
        except ValueError:
            pass
        rows.append(("python", system_python()[1], "hab00c5b_0_cpython", "conda-forge"))
    pattern = args.regex
    rows = sorted({r for r in rows if not pattern or re.search(pattern, r[0])})
    if args.json:
        print(json.dumps([{"base_url": "https://conda.anaconda.org/conda-forge" if r[3] != "pypi" else "https://pypi.org/",
                           "build_string": r[2], "channel": r[3], "name": r[0], "version": r[1],
                           "platform": PLATFORM if r[3] != "pypi" else "pypi"} for r in rows], indent=2))
        return 0 if rows or not pattern else 1
    print(f"# packages in environment at {prefix}:\n#\n# {'Name':<23} {'Version':<15} {'Build':>18}  Channel")
    for r in rows:
        print(f"{r[0]:<25} {r[1]:<15} {r[2]:>18}  {r[3]}")
    return 0


def shell_activate(prefix_or_name, shell):
    args = argparse.Namespace(name=None, prefix=None)
    if prefix_or_name in (None, ""):
        prefix = ROOT_PREFIX
    elif "/" in prefix_or_name:
        args.prefix = prefix_or_name
        prefix = target_prefix(args, must_exist=True)
    else:
        args.name = prefix_or_name
        prefix = target_prefix(args, must_exist=True)
    env = env_for(prefix)
    keys = ["PATH", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_SHLVL", "CONDA_PROMPT_MODIFIER", "CONDA_EXE",
            "CONDA_PYTHON_EXE"]
    return "".join(f"export {k}={shlex.quote(env[k])}\n" for k in keys)


def shell_deactivate():
    prefix = os.environ.get("CONDA_PREFIX")
    path = os.environ.get("PATH", "")
    if prefix:
        path = os.pathsep.join(p for p in path.split(os.pathsep) if p != os.path.join(prefix, "bin"))
    out = f"export PATH={shlex.quote(path)}\n"
    for k in ("CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_PROMPT_MODIFIER"):
        out += f"unset {k}\n"
    out += "export CONDA_SHLVL=0\n"
    return out


def hook_script():
    here = os.path.join(ROOT_PREFIX, "etc", "profile.d", "conda.sh")
    with open(here, encoding="utf-8") as f:
        return f.read()


INIT_BEGIN = "# >>> conda initialize >>>"
INIT_END = "# <<< conda initialize <<<"


def cmd_init(args, argv):
    rc = os.path.join(os.path.expanduser("~"), ".bashrc")
    conda = os.path.join(ROOT_PREFIX, "bin", "conda")
    block = (f"{INIT_BEGIN}\n# !! Contents within this block are managed by 'conda init' !!\n"
             f"__conda_setup=\"$('{conda}' 'shell.bash' 'hook' 2> /dev/null)\"\n"
             "if [ $? -eq 0 ]; then\n    eval \"$__conda_setup\"\nelse\n"
             f"    if [ -f \"{ROOT_PREFIX}/etc/profile.d/conda.sh\" ]; then\n"
             f"        . \"{ROOT_PREFIX}/etc/profile.d/conda.sh\"\n    else\n"
             f"        export PATH=\"{ROOT_PREFIX}/bin:$PATH\"\n    fi\nfi\nunset __conda_setup\n{INIT_END}\n")
    try:
        with open(rc, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        text = ""
    if INIT_BEGIN in text and INIT_END in text:
        start = text.index(INIT_BEGIN)
        end = text.index(INIT_END) + len(INIT_END) + 1
        new = text[:start] + block + text[end:]
    else:
        new = text + ("\n" if text and not text.endswith("\n") else "") + block
    paths = [os.path.join(ROOT_PREFIX, "condabin", "conda"), os.path.join(ROOT_PREFIX, "bin", "conda"),
             os.path.join(ROOT_PREFIX, "etc", "profile.d", "conda.sh")]
    for p in paths:
        print(f"no change     {p}")
    if new == text:
        print(f"no change     {rc}")
        print("No action taken.")
        return 0
    if not args.dry_run:
        with open(rc, "w", encoding="utf-8") as f:
            f.write(new)
    print(f"modified      {rc}")
    print("\n==> For changes to take effect, close and re-open your current shell. <==\n")
    return 0


# ---------------------------------------------------------------------------------------------
# argument parsing
# ---------------------------------------------------------------------------------------------


def add_prefix(p):
    g = p.add_argument_group("Target Environment Specification")
    g.add_argument("-n", "--name", help="Name of environment.")
    g.add_argument("-p", "--prefix", metavar="PATH", help="Full path to environment location (i.e. prefix).")


def add_output(p):
    g = p.add_argument_group("Output, Prompt, and Flow Control Options")
    g.add_argument("--json", action="store_true", help="Report all output as json.")
    g.add_argument("-q", "--quiet", action="store_true", help="Do not display progress bar.")
    g.add_argument("-v", "--verbose", action="count", default=0, help="Can be used multiple times.")
    g.add_argument("-y", "--yes", action="store_true", help="Sets any confirmation values to 'yes' automatically.")
    g.add_argument("-d", "--dry-run", action="store_true", help="Only display what would have been done.")


def add_channels(p):
    g = p.add_argument_group("Channel Customization")
    g.add_argument("-c", "--channel", action="append", default=[], help="Additional channel to search for packages.")
    g.add_argument("--override-channels", action="store_true", help="Do not search default or .condarc channels.")
    g.add_argument("--use-local", action="store_true", help="Use locally built packages.")


def build_parser():
    parser = argparse.ArgumentParser(prog="conda", description="conda is a tool for managing and deploying "
                                     "applications, environments and packages.")
    parser.add_argument("-V", "--version", action="version", version=f"conda {CONDA_VERSION}")
    parser.add_argument("--no-plugins", action="store_true", help="Disable all plugins that are not built into conda.")
    sub = parser.add_subparsers(metavar="COMMAND", dest="cmd")

    p = sub.add_parser("create", help="Create a new conda environment from a list of specified packages.")
    add_prefix(p)
    add_output(p)
    add_channels(p)
    p.add_argument("--clone", metavar="ENV")
    p.add_argument("--file", action="append", default=[])
    p.add_argument("--no-default-packages", action="store_true")
    p.add_argument("packages", nargs="*", metavar="package_spec")
    p.set_defaults(func=cmd_create)

    for name in ("remove", "uninstall"):
        p = sub.add_parser(name, help="Remove a list of packages from a specified conda environment.")
        add_prefix(p)
        add_output(p)
        add_channels(p)
        p.add_argument("--all", action="store_true", help="Remove all packages, i.e., the entire environment.")
        p.add_argument("packages", nargs="*", metavar="package_name")
        p.set_defaults(func=cmd_remove)

    p = sub.add_parser("install", help="Install a list of packages into a specified conda environment.")
    add_prefix(p)
    add_output(p)
    add_channels(p)
    p.add_argument("packages", nargs="*", metavar="package_spec")
    p.set_defaults(func=cmd_install)

    p = sub.add_parser("run", help="Run an executable in a conda environment.")
    add_prefix(p)
    p.add_argument("-v", "--verbose", action="count", default=0)
    p.add_argument("--dev", action="store_true")
    p.add_argument("--debug-wrapper-scripts", action="store_true")
    p.add_argument("--cwd")
    p.add_argument("--no-capture-output", "--no-capture-outputs", action="store_true")
    p.add_argument("--live-stream", action="store_true")
    p.add_argument("executable_call", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("info", help="Display information about current conda install.")
    p.add_argument("--json", action="store_true")
    p.add_argument("-a", "--all", action="store_true")
    p.add_argument("--base", action="store_true")
    p.add_argument("-e", "--envs", action="store_true")
    p.add_argument("-s", "--system", action="store_true")
    p.add_argument("-v", "--verbose", action="count", default=0)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("list", help="List installed packages in a conda environment.")
    add_prefix(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("regex", nargs="?")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("init", help="Initialize conda for shell interaction.")
    p.add_argument("shells", nargs="*")
    p.add_argument("--all", action="store_true")
    p.add_argument("-d", "--dry-run", action="store_true")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("env", help="Create and manage conda environments.")
    env_sub = p.add_subparsers(metavar="COMMAND", dest="env_cmd")
    pl = env_sub.add_parser("list", help="List the Conda environments.")
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(func=cmd_env_list)
    pr = env_sub.add_parser("remove", help="Remove an environment.")
    add_prefix(pr)
    add_output(pr)
    pr.set_defaults(func=cmd_remove, all=True, packages=[])
    p.set_defaults(func=None, env_parser=p)

    for name in ("activate", "deactivate"):
        p = sub.add_parser(name, help=f"{name.capitalize()} a conda environment.")
        p.add_argument("env", nargs="?")
        p.set_defaults(func=None, needs_init=True)
    return parser


def print_error(e, as_json):
    if as_json:
        print(json.dumps({"caused_by": "None", "error": f"{e.name}: {e.message}", "exception_name": e.name,
                          "exception_type": f"<class 'conda.exceptions.{e.name}'>", "message": e.message},
                         indent=2, sort_keys=True))
    elif e.name == "DryRunExit":
        print(f"\n{e.message}\n")
    else:
        sys.stderr.write(f"\n{e.name}: {e.message}\n\n")


def main(argv):
    if argv and argv[0].startswith("shell."):
        shell = argv[0].split(".", 1)[1]
        action = argv[1] if len(argv) > 1 else ""
        try:
            if action == "hook":
                sys.stdout.write(hook_script())
            elif action == "activate":
                sys.stdout.write(shell_activate(argv[2] if len(argv) > 2 else None, shell))
            elif action in ("deactivate",):
                sys.stdout.write(shell_deactivate())
            elif action == "reactivate":
                pass
            else:
                raise CondaError("ArgumentError", f"invalid choice: '{action}'")
        except CondaError as e:
            print_error(e, False)
            return e.code
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cmd is None:
        parser.print_help()
        return 0
    if getattr(args, "needs_init", False):
        sys.stderr.write("\nCondaError: Run 'conda init' before 'conda " + args.cmd + "'\n\n")
        return 1
    if args.func is None:
        getattr(args, "env_parser", parser).print_help()
        return 0
    try:
        return args.func(args, argv)
    except CondaError as e:
        print_error(e, getattr(args, "json", False))
        return e.code
    except subprocess.CalledProcessError as e:
        sys.stderr.write(f"\nCondaError: {e}\n\n")
        return 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(1)
