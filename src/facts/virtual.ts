/**
 * Ansible's virtual facts on Linux (the `virtual` subset): virtualization_type and _role, and the
 * guest and host technologies seen (virtualization_tech_guest, _tech_host), decided in Ansible's
 * order from PID 1's cgroups and environment, /run/systemd/container, marker files, DMI strings,
 * /proc/cpuinfo and the loaded kernel modules. Not read: dmidecode (when /sys has no DMI) and
 * lscpu on s390, and RHEV's vdsm process.
 */
import { defineFact } from './fact.js';

const MARK = '@@pb-virtual ';

/** The files the decision reads, each after a marker line; `exists` lists the paths that exist. */
const COMMAND = `s() { printf '${MARK}%s\\n' "$1"; }
s cgroup; cat /proc/1/cgroup 2>/dev/null
s environ; tr '\\000' '\\n' < /proc/1/environ 2>/dev/null
s exists; for f in /proc/vz /proc/lve /proc/bc /.dockerenv /.dockerinit /proc/xen /dev/kvm; do [ -e "$f" ] && echo "$f"; done
s systemd_container; cat /run/systemd/container 2>/dev/null
s xen_capabilities; cat /proc/xen/capabilities 2>/dev/null
for f in product_name sys_vendor product_family bios_vendor; do s "$f"; cat "/sys/devices/virtual/dmi/id/$f" 2>/dev/null; done
s status; grep '^VxID' /proc/self/status 2>/dev/null
s cpuinfo; grep -E '^(model name|vendor_id|machine)' /proc/cpuinfo 2>/dev/null
s modules; cut -d' ' -f1 /proc/modules 2>/dev/null
exit 0`;

export interface VirtualProbe {
  cgroup: string[];
  environ: string[];
  exists: Set<string>;
  systemdContainer: string;
  xenCapabilities: string[];
  productName: string;
  sysVendor: string;
  productFamily: string;
  biosVendor: string;
  status: string[];
  cpuinfo: string[];
  modules: string[];
}

/** The marker-separated output as the probe. */
export function parseVirtualProbe(stdout: string): VirtualProbe {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) sections.set(line.slice(MARK.length), (current = []));
    else current?.push(line);
  }
  const lines = (name: string): string[] => (sections.get(name) ?? []).filter((l) => l !== '');
  // get_file_content strips the file's text.
  const content = (name: string): string => (sections.get(name) ?? []).join('\n').trim();
  return {
    cgroup: lines('cgroup'),
    environ: lines('environ'),
    exists: new Set(lines('exists')),
    systemdContainer: content('systemd_container'),
    xenCapabilities: lines('xen_capabilities'),
    productName: content('product_name'),
    sysVendor: content('sys_vendor'),
    productFamily: content('product_family'),
    biosVendor: content('bios_vendor'),
    status: lines('status'),
    cpuinfo: lines('cpuinfo'),
    modules: lines('modules'),
  };
}

const KVM_PRODUCTS = ['KVM', 'KVM Server', 'Bochs', 'AHV', 'CloudStack KVM Hypervisor'];
const KVM_SYS_VENDORS = ['QEMU', 'Amazon EC2', 'DigitalOcean', 'Google', 'Scaleway', 'Nutanix'];
const CPUINFO: readonly [RegExp, string][] = [
  [/^model name.*QEMU Virtual CPU/, 'kvm'],
  [/^vendor_id.*User Mode Linux/, 'uml'],
  [/^model name.*UML/, 'uml'],
  [/^machine.*CHRP IBM pSeries .emulated by qemu./, 'kvm'],
  [/^vendor_id.*PowerVM Lx86/, 'powervm_lx86'],
  [/^vendor_id.*IBM\/S390/, 'ibm_systemz'],
];

/** LinuxVirtual.get_virtual_facts's decisions, in its order. */
export function virtualFacts(p: VirtualProbe): Record<string, unknown> {
  let type: string | undefined;
  let role: string | undefined;
  let found = false;
  const guest = new Set<string>();
  const host = new Set<string>();
  const guestFound = (tech: string, typeName = tech): void => {
    guest.add(tech);
    if (!found) [type, role, found] = [typeName, 'guest', true];
  };
  for (const line of p.cgroup) {
    if (/\/docker(\/|-[0-9a-f]+\.scope)/.test(line)) guestFound('docker');
    if (/\/lxc\//.test(line) || /\/machine.slice\/machine-lxc/.test(line)) guestFound('lxc');
    if (/\/system.slice\/containerd.service/.test(line)) guestFound('containerd');
  }
  for (const line of p.environ) {
    if (/container=lxc/.test(line)) guestFound('lxc');
    if (/container=podman/.test(line)) guestFound('podman');
    if (/^container=./.test(line)) guestFound('container');
  }
  if (p.exists.has('/proc/vz') && !p.exists.has('/proc/lve')) {
    type = 'openvz';
    (p.exists.has('/proc/bc') ? host : guest).add('openvz');
    if (!found) role = p.exists.has('/proc/bc') ? 'host' : 'guest';
    found = true;
  }
  if (p.systemdContainer) guestFound(p.systemdContainer);
  if (p.exists.has('/.dockerenv') || p.exists.has('/.dockerinit')) guestFound('docker');
  if (['docker', 'lxc', 'podman', 'openvz', 'containerd'].some((t) => guest.has(t)) || p.systemdContainer) guest.add('container');
  if (p.exists.has('/proc/xen')) {
    const xenHost = p.xenCapabilities.some((l) => l.includes('control_d'));
    (xenHost ? host : guest).add('xen');
    if (!found) [type, role] = ['xen', xenHost ? 'host' : 'guest'];
    found = true;
  }
  // The DMI checks assume a guest, and take the assumption back when none matches.
  if (!found) role = 'guest';
  const dmi = (tech: string, typeName = tech): void => {
    guest.add(tech);
    if (!found) [type, found] = [typeName, true];
  };
  if (KVM_PRODUCTS.includes(p.productName)) dmi('kvm');
  if (p.sysVendor === 'oVirt') dmi('oVirt');
  if (p.sysVendor === 'Red Hat') {
    if (p.productFamily === 'RHV') dmi('RHV');
    else if (p.productName === 'RHEV Hypervisor') dmi('RHEV');
  }
  if (p.productName.startsWith('VMware')) dmi('VMware');
  if (['OpenStack Compute', 'OpenStack Nova'].includes(p.productName)) dmi('openstack');
  if (p.biosVendor === 'Xen') dmi('xen');
  if (p.biosVendor === 'innotek GmbH') dmi('virtualbox');
  if (['Amazon EC2', 'DigitalOcean', 'Hetzner', 'Linode'].includes(p.biosVendor)) dmi('kvm');
  if (KVM_SYS_VENDORS.includes(p.sysVendor)) dmi('kvm');
  if (p.sysVendor === 'KubeVirt') dmi('KubeVirt');
  if (p.sysVendor === 'Microsoft Corporation') dmi('VirtualPC');
  if (p.sysVendor === 'Parallels Software International Inc.') dmi('parallels');
  if (p.sysVendor === 'OpenStack Foundation') dmi('openstack');
  if (!found) role = undefined;
  for (const line of p.status) {
    if (!/^VxID:\s+\d+/.test(line)) continue;
    const isHost = /^VxID:\s+0/.test(line);
    (isHost ? host : guest).add('linux_vserver');
    if (!found) [type, role] = ['linux_vserver', isHost ? 'host' : 'guest'];
    found = true;
  }
  for (const line of p.cpuinfo) {
    const hit = CPUINFO.find(([re]) => re.test(line));
    if (!hit) continue;
    // s390 reads lscpu's Hypervisor first (not read here); without lscpu it is ibm_systemz.
    const tech = hit[1] === 'ibm_systemz' ? 'PR/SM' : hit[1];
    guest.add(tech);
    if (!found) [type, role, found] = [tech, tech === 'PR/SM' ? 'LPAR' : 'guest', true];
  }
  if (p.modules.includes('kvm')) {
    host.add('kvm');
    if (!found) [type, role] = ['kvm', 'host'];
    found = true;
  }
  if (p.modules.includes('vboxdrv')) {
    host.add('virtualbox');
    if (!found) [type, role, found] = ['virtualbox', 'host', true];
  }
  if (p.modules.includes('virtio')) {
    host.add('kvm');
    if (!found) [type, role, found] = ['kvm', 'guest', true];
  }
  if (p.exists.has('/dev/kvm')) {
    host.add('kvm');
    if (!found) [type, role, found] = ['kvm', 'host', true];
  }
  if (!found) [type, role] = ['NA', 'NA'];
  return {
    virtualization_type: type,
    virtualization_role: role,
    // Python sets, which come out as lists in no promised order: sorted here.
    virtualization_tech_guest: [...guest].sort(),
    virtualization_tech_host: [...host].sort(),
  };
}

export const virtual = defineFact({
  name: 'virtual',
  command: COMMAND,
  parse: (stdout) => virtualFacts(parseVirtualProbe(stdout)),
});
