"""Node IP and NIC checks, as vLLM, NCCL and Gloo do them.

get_ip() is vLLM's: VLLM_HOST_IP if set, else the source address of a UDP "connection" to 8.8.8.8
(the default route's address; nothing is sent), else the same over IPv6, else a warning and 0.0.0.0.
On an intranet without a default route the probe fails and placement then asks Ray for
`node:0.0.0.0`, which no node has.

NCCL_SOCKET_IFNAME follows NCCL's syntax: a comma-separated list of interface name prefixes,
`^` to exclude instead, `=` for exact names. GLOO_SOCKET_IFNAME names interfaces exactly
(comma separated). Each must name an interface with an address on this node.
"""

import fcntl
import os
import socket
import struct
import warnings

SIOCGIFADDR = 0x8915


def get_ip(environ=None):
    environ = os.environ if environ is None else environ
    host_ip = environ.get("VLLM_HOST_IP", "")
    if "HOST_IP" in environ and "VLLM_HOST_IP" not in environ:
        warnings.warn(
            "The environment variable HOST_IP is deprecated and ignored, as it is often used by Docker and "
            "other software to interact with the container's network stack. Please use VLLM_HOST_IP instead "
            "to set the IP address for vLLM processes to communicate with each other.",
            stacklevel=2)
    if host_ip:
        return host_ip
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("8.8.8.8", 80))  # nothing is sent: this only asks the routing table
            return s.getsockname()[0]
    except Exception:
        pass
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.connect(("2001:4860:4860::8888", 80))
            return s.getsockname()[0]
    except Exception:
        pass
    warnings.warn(
        "Failed to get the IP address, using 0.0.0.0 by default."
        "The value can be set by the environment variable VLLM_HOST_IP or HOST_IP.",
        stacklevel=2)
    return "0.0.0.0"


def interface_addresses():
    """name -> IPv4 address (or '' when the interface has none) of this node's interfaces."""
    result = {}
    try:
        names = [n for _i, n in socket.if_nameindex()]
    except OSError:
        names = []
    for name in names:
        addr = ""
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                packed = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
                addr = socket.inet_ntoa(packed[20:24])
        except OSError:
            addr = _ipv6_address(name)
        result[name] = addr
    return result


def _ipv6_address(name):
    try:
        with open("/proc/net/if_inet6", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[5] == name:
                    return ":".join(parts[0][i:i + 4] for i in range(0, 32, 4))
    except OSError:
        pass
    return ""


def nccl_interfaces(spec, addresses):
    """The interfaces NCCL's bootstrap would use for NCCL_SOCKET_IFNAME=spec (names with an address)."""
    spec = spec.strip()
    exclude = spec.startswith("^")
    if exclude:
        spec = spec[1:]
    exact = spec.startswith("=")
    if exact:
        spec = spec[1:]
    wanted = [t.strip() for t in spec.split(",") if t.strip()]

    def match(name):
        return any(name == w if exact else name.startswith(w) for w in wanted)

    chosen = []
    for name, addr in addresses.items():
        if not addr:
            continue
        if exclude:
            if not match(name) and name != "lo" and not name.startswith("docker"):
                chosen.append(name)
        elif match(name):
            chosen.append(name)
    return chosen


def gloo_missing(spec, addresses):
    """The names in GLOO_SOCKET_IFNAME=spec that Gloo cannot find an address for."""
    return [n.strip() for n in spec.split(",") if n.strip() and not addresses.get(n.strip())]


def check_socket_ifnames(environ, addresses=None):
    """Errors (strings, the libraries' own wording) for the NIC variables of this process."""
    addresses = interface_addresses() if addresses is None else addresses
    errors = []
    gloo = environ.get("GLOO_SOCKET_IFNAME")
    if gloo:
        for name in gloo_missing(gloo, addresses):
            errors.append("RuntimeError: [enforce fail at /pytorch/third_party/gloo/gloo/transport/tcp/device.cc:84] "
                          f"ifa != nullptr. Unable to find address for: {name}")
            break
    nccl = environ.get("NCCL_SOCKET_IFNAME")
    if nccl and not nccl_interfaces(nccl, addresses):
        errors.append("torch.distributed.DistBackendError: NCCL error in: /pytorch/torch/csrc/distributed/c10d/"
                      "ProcessGroupNCCL.cpp:3356, internal error - please report this issue to the NCCL developers, "
                      "NCCL version 2.27.3\nncclInternalError: Internal check failed.\nLast error:\n"
                      f"Bootstrap : no socket interface found (NCCL_SOCKET_IFNAME={nccl})")
    return errors
