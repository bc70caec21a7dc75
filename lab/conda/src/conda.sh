# conda shell functions (lab stand-in): `source PREFIX/etc/profile.d/conda.sh`, then
# `conda activate NAME` / `conda deactivate` change this shell; every other command runs conda.
export CONDA_EXE='@PREFIX@/bin/conda'
export CONDA_PYTHON_EXE='@PREFIX@/bin/python'
export _CE_M=''
export _CE_CONDA=''

conda() {
    case "${1:-}" in
        activate|deactivate)
            __conda_cmd="$1"
            shift
            __conda_out="$("$CONDA_EXE" shell.posix "$__conda_cmd" "$@")" || { unset __conda_cmd __conda_out; return 1; }
            eval "$__conda_out"
            unset __conda_cmd __conda_out
            hash -r 2>/dev/null || true
            ;;
        *)
            "$CONDA_EXE" "$@"
            ;;
    esac
}

if [ -z "${CONDA_SHLVL:-}" ]; then
    export CONDA_SHLVL=0
    case ":${PATH}:" in
        *":@PREFIX@/condabin:"*) ;;
        *) export PATH="@PREFIX@/condabin${PATH:+:$PATH}" ;;
    esac
fi
