#!/bin/sh
#
# NAME:  Miniforge3
# VER:   @VERSION@
# PLAT:  linux-64
# LINES: @LINES@
#
# The playbook-engine lab's stand-in for the Miniforge installer: same batch flags and messages,
# but the "base environment" is a venv of the node's python3, and bin/conda is the lab's conda
# (environments are venvs; the offline channel has only the system Python). Payload: a tar.gz
# after the header, as in the real installer.

if ! echo "$0" | grep '\.sh$' > /dev/null; then
    printf 'Please run using "bash" or "sh", but not "." or "source"\n' >&2
    return 1 2>/dev/null || exit 1
fi

THIS_DIR=$(DIRNAME=$(dirname "$0"); cd "$DIRNAME"; pwd)
THIS_FILE=$(basename "$0")
THIS_PATH="$THIS_DIR/$THIS_FILE"
PREFIX="${HOME:-/root}/miniforge3"
BATCH=0
FORCE=0
SKIP_SCRIPTS=0
TEST=0
REINSTALL=0
USAGE="
usage: $0 [options]

Installs Miniforge3 @VERSION@
-b           run install in batch mode (without manual intervention),
             it is expected the license terms (if any) are agreed upon
-f           no error if install prefix already exists
-h           print this help message and exit
-p PREFIX    install prefix, defaults to $PREFIX, must not contain spaces.
-s           skip running pre/post-link/install scripts
-u           update an existing installation
-t           run package tests after installation (may install conda-build)
"

while getopts "bifhkp:sut" x; do
    case "$x" in
        h)
            printf "%s\n" "$USAGE"
            exit 2
            ;;
        b) BATCH=1 ;;
        i) ;;
        f) FORCE=1 ;;
        k) ;;
        p) PREFIX="$OPTARG" ;;
        s) SKIP_SCRIPTS=1 ;;
        u) FORCE=1 ;;
        t) TEST=1 ;;
        ?)
            printf "ERROR: did not recognize option '%s', please try -h\n" "$x"
            exit 1
            ;;
    esac
done

if [ "$BATCH" = "0" ]; then
    printf "\n"
    printf "Welcome to Miniforge3 @VERSION@\n"
    printf "\n"
    printf "In order to continue the installation process, please review the license\n"
    printf "agreement.\n"
    printf "Please, press ENTER to continue\n"
    printf ">>> "
    read -r dummy || true
    printf "Miniforge installer code uses BSD-3-Clause license as stated below.\n\n"
    printf "Do you accept the license terms? [yes|no]\n"
    printf ">>> "
    read -r ans || ans=""
    while [ "$ans" != "yes" ] && [ "$ans" != "Yes" ] && [ "$ans" != "YES" ] && \
          [ "$ans" != "no" ]  && [ "$ans" != "No" ]  && [ "$ans" != "NO" ]; do
        if [ -z "$ans" ] && ! [ -t 0 ]; then
            ans=no
            break
        fi
        printf "Please answer 'yes' or 'no':'\n"
        printf ">>> "
        read -r ans || ans=no
    done
    if [ "$ans" != "yes" ] && [ "$ans" != "Yes" ] && [ "$ans" != "YES" ]; then
        printf "The license agreement wasn't approved, aborting installation.\n"
        exit 2
    fi
    printf "\n"
    printf "Miniforge3 will now be installed into this location:\n"
    printf "%s\n" "$PREFIX"
    printf "\n"
    printf "  - Press ENTER to confirm the location\n"
    printf "  - Press CTRL-C to abort the installation\n"
    printf "  - Or specify a different location below\n"
    printf "\n"
    printf "[%s] >>> " "$PREFIX"
    read -r user_prefix || user_prefix=""
    if [ "$user_prefix" != "" ]; then
        PREFIX="$user_prefix"
    fi
fi

case "$PREFIX" in
    *\ * )
        printf "ERROR: Cannot install into directories with spaces\n" >&2
        exit 1
        ;;
esac

if [ "$FORCE" = "0" ] && [ -e "$PREFIX" ]; then
    printf "ERROR: File or directory already exists: '%s'\n" "$PREFIX" >&2
    printf "If you want to update an existing installation, use the -u option.\n" >&2
    exit 1
elif [ "$FORCE" = "1" ] && [ -e "$PREFIX" ]; then
    REINSTALL=1
fi

PYTHON3=""
for candidate in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 2>/dev/null)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
        PYTHON3="$candidate"
        break
    fi
done
if [ -z "$PYTHON3" ]; then
    printf "ERROR: the lab's Miniforge3 stand-in needs python3 (with venv) on this machine\n" >&2
    exit 1
fi

if ! mkdir -p "$PREFIX"; then
    printf "ERROR: Could not create directory: '%s'\n" "$PREFIX" >&2
    exit 1
fi

PREFIX=$(cd "$PREFIX"; pwd)
export PREFIX

printf "PREFIX=%s\n" "$PREFIX"

printf "Unpacking payload ...\n"
WORK="$PREFIX/.lab-installer.$$"
rm -rf "$WORK"
mkdir -p "$WORK"
if ! tail -n +@LINES@ "$THIS_PATH" | tar -xzf - -C "$WORK"; then
    printf "ERROR: could not extract the payload of %s\n" "$THIS_PATH" >&2
    rm -rf "$WORK"
    exit 1
fi

printf "\nInstalling base environment...\n\n"
if [ ! -x "$PREFIX/bin/python" ]; then
    if ! "$PYTHON3" -m venv "$PREFIX"; then
        printf "ERROR: executing the base environment transaction failed (python3 -m venv)\n" >&2
        rm -rf "$WORK"
        exit 1
    fi
fi
PYVER=$("$PREFIX/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
REALPY=$("$PREFIX/bin/python" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')

mkdir -p "$PREFIX/bin" "$PREFIX/condabin" "$PREFIX/etc/profile.d" "$PREFIX/envs" "$PREFIX/conda-meta" "$PREFIX/pkgs"
{
    printf '#!%s\n' "$PREFIX/bin/python"
    cat "$WORK/conda.py"
} > "$PREFIX/bin/conda.new"
chmod 755 "$PREFIX/bin/conda.new"
mv -f "$PREFIX/bin/conda.new" "$PREFIX/bin/conda"
printf '#!/bin/sh\nexec "%s/bin/conda" "$@"\n' "$PREFIX" > "$PREFIX/condabin/conda"
chmod 755 "$PREFIX/condabin/conda"
sed "s|@PREFIX@|$PREFIX|g" "$WORK/conda.sh" > "$PREFIX/etc/profile.d/conda.sh"
printf '{"python": "%s", "python_version": "%s", "installer": "Miniforge3 @VERSION@ (lab)"}\n' \
    "$REALPY" "$PYVER" > "$PREFIX/etc/conda-lab.json"
if [ ! -f "$PREFIX/conda-meta/history" ]; then
    {
        printf '==> %s <==\n' "$(date '+%Y-%m-%d %H:%M:%S')"
        printf '# cmd: %s -b -p %s\n' "$THIS_FILE" "$PREFIX"
        printf '# conda version: @CONDA_VERSION@\n'
        printf '+conda-forge/linux-64::python-%s\n' "$PYVER"
        printf '+conda-forge/noarch::conda-@CONDA_VERSION@\n'
    } > "$PREFIX/conda-meta/history"
fi
rm -rf "$WORK"

printf "Preparing transaction: ...working... done\n"
printf "Executing transaction: ...working... done\n"
printf "installation finished.\n"

if [ "$PYTHONPATH" != "" ]; then
    printf "WARNING:\n"
    printf "    You currently have a PYTHONPATH environment variable set. This may cause\n"
    printf "    unexpected behavior when running the Python interpreter in Miniforge3.\n"
    printf "    For best results, please verify that your PYTHONPATH only points to\n"
    printf "    directories of packages that are compatible with the Python interpreter\n"
    printf "    in Miniforge3: %s\n" "$PREFIX"
fi

if [ "$BATCH" = "0" ]; then
    printf "Do you wish to update your shell profile to automatically initialize conda?\n"
    printf "This will activate conda on startup and change the command prompt when activated.\n"
    printf "If you'd prefer that conda's base environment not be activated on startup,\n"
    printf "   run the following command when conda is activated:\n\n"
    printf "conda config --set auto_activate_base false\n\n"
    printf "You can undo this by running \`conda init --reverse \$SHELL\`? [yes|no]\n"
    printf "[no] >>> "
    read -r ans || ans=""
    if [ "$ans" = "yes" ] || [ "$ans" = "Yes" ] || [ "$ans" = "YES" ] || [ "$ans" = "y" ] || [ "$ans" = "Y" ]; then
        "$PREFIX/bin/conda" init
    else
        printf "\nYou have chosen to not have conda modify your shell scripts at all.\n"
        printf "To activate conda's base environment in your current shell session:\n\n"
        printf "eval \"\$(%s/bin/conda shell.YOUR_SHELL_NAME hook)\" \n\n" "$PREFIX"
        printf "To install conda's shell functions for easier access, first activate, then:\n\n"
        printf "conda init\n\n"
    fi
    printf "Thank you for installing Miniforge3!\n"
fi

if [ "$TEST" = "1" ]; then
    printf "INFO: Running package tests in a subshell\n"
    if ! "$PREFIX/bin/python" -c 'import venv, ensurepip'; then
        printf "ERROR: 1 test failed\n" >&2
        exit 1
    fi
fi

exit 0
@@END_HEADER@@
