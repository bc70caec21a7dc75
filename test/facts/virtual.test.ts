/** The virtual fact (Ansible's virtualization_* facts) on what its command prints on a lab node, and Ansible's order of decisions. */
import { expect, test } from 'vitest';
import { parseVirtualProbe, virtual, virtualFacts } from '../../src/facts/virtual.js';

/** What the command prints on a lab node (a Docker container running systemd), as root. */
const LAB_NODE = "@@pb-virtual cgroup\n9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/init.scope\n@@pb-virtual environ\nHOSTNAME=node2\nHOME=/root\ncontainer=docker\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nLANG=en_US.UTF-8\nPWD=/\n@@pb-virtual exists\n/.dockerenv\n@@pb-virtual systemd_container\ndocker\n@@pb-virtual xen_capabilities\n@@pb-virtual product_name\n@@pb-virtual sys_vendor\n@@pb-virtual product_family\n@@pb-virtual bios_vendor\n@@pb-virtual status\n@@pb-virtual cpuinfo\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n@@pb-virtual modules\n";

test('a lab node as root: PID 1 says container=docker, so the type is container, the guest techs container and docker', () => {
  expect(virtual.parse(LAB_NODE)).toEqual({ virtualization_type: 'container', virtualization_role: 'guest', virtualization_tech_guest: ['container', 'docker'], virtualization_tech_host: [] });
});

test("without root (PID 1's environment unreadable) /run/systemd/container names docker, as Ansible says on the node", () => {
  const probe = parseVirtualProbe(LAB_NODE);
  expect(virtualFacts({ ...probe, environ: [] })).toEqual({ virtualization_type: 'docker', virtualization_role: 'guest', virtualization_tech_guest: ['container', 'docker'], virtualization_tech_host: [] });
});

test('DMI, kernel modules, and nothing at all', () => {
  const none = parseVirtualProbe('');
  expect(virtualFacts(none)).toMatchObject({ virtualization_type: 'NA', virtualization_role: 'NA' });
  expect(virtualFacts({ ...none, sysVendor: 'QEMU', modules: ['kvm'] })).toEqual({ virtualization_type: 'kvm', virtualization_role: 'guest', virtualization_tech_guest: ['kvm'], virtualization_tech_host: ['kvm'] });
  expect(virtualFacts({ ...none, modules: ['kvm'] })).toMatchObject({ virtualization_type: 'kvm', virtualization_role: 'host' });
  expect(virtualFacts({ ...none, cgroup: ['0::/system.slice/docker-0123abcd.scope'] })).toMatchObject({ virtualization_type: 'docker', virtualization_tech_guest: ['container', 'docker'] });
});
