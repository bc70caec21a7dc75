/** The Docker foundation of the lab and the SSH benchmark: engine, labels, images, containers. */
export { DockerEngineError, connectEngine, dockerClient, engineAddress } from './engine.js';
export { MANAGED_LABEL, SCOPE_LABEL, type RemovedResources, removeScope, scopeLabels } from './labels.js';
export { type CreatedNetwork, type NetworkOptions, createNetwork, createVolume } from './resources.js';
export { BASE_REPOSITORY, BASE_SUITE, baseImageTag, ensureBaseImage } from './base-image.js';
export { NODE_USER, SSHD_REPOSITORY, ensureSshdImage } from './sshd-image.js';
export type { ImageOptions } from './images.js';
export { ContainerBuilder, type Mount } from './container.js';
export { StartedContainer, type ExecInContainerOptions, type TextExecResult } from './started-container.js';
export { Wait, type WaitStrategy } from './wait.js';
export { type SshNode, type SshNodesOptions, knownHostsLine, startSshNodes } from './ssh-nodes.js';
